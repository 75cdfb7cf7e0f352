/*
 * messages: see messages.h.
 */
#include "messages.h"

#include <string.h>

#define MSG(key, text) [MSG_##key] = text,
static const char *const catalog_ja[MSG_COUNT] = {
#include "messages/ja.def"
};
static const char *const catalog_ja_easy[MSG_COUNT] = {
#include "messages/ja-easy.def"
};
static const char *const catalog_en[MSG_COUNT] = {
#include "messages/en.def"
};
#undef MSG

#define MESSAGE_NAME(key) #key,
static const char *const key_names[MSG_COUNT] = {MESSAGE_KEYS(MESSAGE_NAME)};
#undef MESSAGE_NAME

static const char *const *catalog(enum language lang)
{
	switch (lang) {
	case LANGUAGE_JA:
		return catalog_ja;
	case LANGUAGE_JA_EASY:
		return catalog_ja_easy;
	case LANGUAGE_EN:
		return catalog_en;
	}
	return catalog_en;
}

const char *messages_key(enum message_id id)
{
	return (unsigned)id < MSG_COUNT ? key_names[id] : "?";
}

const char *messages_catalog(enum language lang, enum message_id id)
{
	return (unsigned)id < MSG_COUNT ? catalog(lang)[id] : NULL;
}

const char *messages_get(enum language lang, enum message_id id, const struct content *c)
{
	if ((unsigned)id >= MSG_COUNT)
		return "?";
	const char *text = content_message(c, config_language_name(lang), key_names[id]);
	if (!text)
		text = catalog(lang)[id];
	if (!text)
		text = catalog_en[id];
	return text ? text : key_names[id];
}

/* Appends n bytes of s, cutting at a UTF-8 character boundary if full. */
static void append(char *out, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used + 1 >= len)
		return;
	size_t room = len - 1 - *used;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
}

size_t messages_format(char *out, size_t len, const char *tmpl, const struct message_arg *args,
		       size_t n_args)
{
	size_t used = 0;
	if (len == 0)
		return 0;
	out[0] = '\0';
	const char *p = tmpl;
	while (*p) {
		const char *open = strchr(p, '{');
		if (!open) {
			append(out, len, &used, p, strlen(p));
			break;
		}
		append(out, len, &used, p, (size_t)(open - p));
		const char *close = strchr(open, '}');
		const struct message_arg *hit = NULL;
		for (size_t i = 0; close && i < n_args; i++)
			if (strlen(args[i].name) == (size_t)(close - open - 1) &&
			    strncmp(open + 1, args[i].name, (size_t)(close - open - 1)) == 0)
				hit = &args[i];
		if (hit) {
			append(out, len, &used, hit->value, strlen(hit->value));
			p = close + 1;
		} else {
			append(out, len, &used, "{", 1);
			p = open + 1;
		}
	}
	return used;
}
