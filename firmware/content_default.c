/*
 * content_default: see content_default.h. The hotlines are the example
 * bundle's, word for word (tests/unit/test_content.c checks that they
 * agree).
 */
#include "content_default.h"

const char content_default_json[] =
	"{\"version\": \"default-1\", \"generated_at\": \"2026-11-29T00:00:00+09:00\","
	" \"help_url_template\": \"\","
	" \"hotlines\": ["
	"  {\"name\": \"DV相談＋\", \"number\": \"0120-279-889\", \"hours\": \"24時間・無料\","
	"   \"note\": \"メール・チャットも（soudanplus.jp）\"},"
	"  {\"name\": \"DV相談ナビ\", \"number\": \"#8008\", \"hours\": \"最寄りの相談窓口へ\","
	"   \"note\": \"通話料がかかります\"},"
	"  {\"name\": \"児童相談所虐待対応ダイヤル\", \"number\": \"189\", \"hours\": \"24時間・無料\","
	"   \"note\": \"匿名でも相談できます\"},"
	"  {\"name\": \"児童相談所相談専用ダイヤル\", \"number\": \"0120-189-783\", \"hours\": \"無料\","
	"   \"note\": \"子育ての悩み\"}],"
	" \"windows\": [], \"sessions\": [], \"sites\": [], \"holidays\": [],"
	" \"issued_cards\": [], \"revoked_cards\": [], \"messages\": {}}";
