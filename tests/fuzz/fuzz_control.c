/*
 * fuzz_control: one control-socket request line, as kioskd's control
 * socket receives it, parsed with jansson and run by kiosk_command()
 * against a real kiosk with a real store in a temporary directory. Every
 * answer must be a JSON object with a boolean "ok".
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kiosk.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kiosk kiosk;
static char dir[64];

static void cleanup(void)
{
	char path[128];
	kiosk_shutdown(&kiosk);
	const char *files[] = {"kiosk.db", "kiosk.db-wal", "kiosk.db-shm", "kiosk.db.lock"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct kiosk_config cfg;
	struct card_key key = {{0}};
	snprintf(dir, sizeof(dir), "/tmp/fuzz-control-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	log_init("fuzz_control", LOG_LEVEL_ERROR);
	config_defaults(&cfg);
	snprintf(cfg.kiosk_id, sizeof(cfg.kiosk_id), "fuzz");
	snprintf(cfg.site_id, sizeof(cfg.site_id), "1");
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
	kiosk_init(&kiosk, &cfg, &key);
	if (!kiosk.store)
		abort();
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *req = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (!req)
		return 0;
	json_t *resp = kiosk_command(&kiosk, req, "uid 0 (fuzz)");
	if (!json_is_object(resp) || !json_is_boolean(json_object_get(resp, "ok")))
		abort();
	char *text = json_dumps(resp, JSON_COMPACT);
	if (!text)
		abort();
	free(text);
	json_decref(resp);
	json_decref(req);
	return 0;
}
