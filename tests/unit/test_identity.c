/*
 * test_identity: card identity (firmware/card_identity.h).
 *
 * Covers: card_id_compute known answers (HMAC-SHA256 truncated to 16 bytes,
 * 32 lowercase hex digits) for ISO14443A and FeliCa UIDs, that the tech byte
 * is part of the message; card_identity_from_card (wipes the UID, random
 * UIDs are unusable and get no card_id, which UIDs count as random);
 * card_key_generate (32 bytes, mode 0600, never overwrites) and
 * card_key_load (mode, size, missing file, directory); card_id_valid.
 *
 * Files live in a temporary directory made with mkdtemp and removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "card_identity.h"

static char tmp_dir[] = "/tmp/test_identity.XXXXXX";

/* The test key: bytes 0x00, 0x01, ..., 0x1f. */
static struct card_key test_key(void)
{
	struct card_key key;
	for (size_t i = 0; i < CARD_KEY_LEN; i++)
		key.bytes[i] = (uint8_t)i;
	return key;
}

static void path_in(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", tmp_dir, name);
	assert_true(n > 0 && (size_t)n < size);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	/* chmod, not the open mode, so the umask cannot interfere. */
	assert_int_equal(chmod(path, mode), 0);
}

static size_t read_file(const char *path, uint8_t *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, size);
	assert_true(n >= 0);
	assert_int_equal(close(fd), 0);
	return (size_t)n;
}

static void compute(enum card_tech_byte tech, const uint8_t *uid, size_t len, card_id_t *out)
{
	struct card_key key = test_key();
	memset(out, 'x', sizeof(*out));
	assert_int_equal(card_id_compute(&key, tech, uid, len, out), 0);
}

static void assert_lower_hex32(const char *s)
{
	assert_int_equal(strlen(s), CARD_ID_HEX_LEN);
	for (size_t i = 0; s[i]; i++)
		assert_true((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
	assert_true(card_id_valid(s));
}

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- card_id_compute ---- */

/*
 * Expected values were computed outside this code base, with the key bytes
 * 0x00..0x1f:
 *   python3 -c 'import hmac,hashlib; print(hmac.new(bytes(range(32)),
 *     bytes.fromhex("0104a1b2c3d4e5f6"), hashlib.sha256).hexdigest()[:32])'
 * and checked with
 *   printf 0104a1b2c3d4e5f6 | xxd -r -p | openssl dgst -sha256 -mac HMAC \
 *     -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
 * (the same for the other messages: tech byte, then the UID bytes).
 */
static void test_known_answer_iso14443a_7byte(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6};
	card_id_t id;
	compute(CARD_TECH_ISO14443A, uid, sizeof(uid), &id);
	/* HMAC-SHA256(key, 01 04a1b2c3d4e5f6)[0:16] */
	assert_string_equal(id.hex, "ba75c36f39c1a370a07627b62acbe29b");
}

static void test_known_answer_felica(void **state)
{
	(void)state;
	static const uint8_t idm[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	card_id_t id;
	compute(CARD_TECH_FELICA, idm, sizeof(idm), &id);
	/* HMAC-SHA256(key, 02 0123456789abcdef)[0:16] */
	assert_string_equal(id.hex, "939054b5b2dd09f322cff4609402f8f5");
}

static void test_known_answer_iso14443a_4byte(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x04, 0xa1, 0xb2, 0xc3};
	card_id_t id;
	compute(CARD_TECH_ISO14443A, uid, sizeof(uid), &id);
	/* HMAC-SHA256(key, 01 04a1b2c3)[0:16] */
	assert_string_equal(id.hex, "a4797dd069b0e4fd57476c6f92157010");
}

static void test_known_answer_iso14443a_10byte(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x08, 0x09};
	card_id_t id;
	compute(CARD_TECH_ISO14443A, uid, sizeof(uid), &id);
	/* HMAC-SHA256(key, 01 04a1b2c3d4e5f6070809)[0:16] */
	assert_string_equal(id.hex, "aec27fad436bfe768001859e6ed2eb97");
}

static void test_tech_byte_matters(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6};
	card_id_t a, f;
	compute(CARD_TECH_ISO14443A, uid, sizeof(uid), &a);
	compute(CARD_TECH_FELICA, uid, sizeof(uid), &f);
	assert_string_not_equal(a.hex, f.hex);
	/* HMAC-SHA256(key, 02 04a1b2c3d4e5f6)[0:16] */
	assert_string_equal(f.hex, "669e38e6c3642b03c69624dff75e3d39");
	assert_lower_hex32(a.hex);
	assert_lower_hex32(f.hex);
}

static void test_compute_depends_on_key_and_is_stable(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x04, 0xa1, 0xb2, 0xc3};
	struct card_key key = test_key();
	card_id_t a, b, c;
	assert_int_equal(card_id_compute(&key, CARD_TECH_ISO14443A, uid, sizeof(uid), &a), 0);
	assert_int_equal(card_id_compute(&key, CARD_TECH_ISO14443A, uid, sizeof(uid), &b), 0);
	assert_string_equal(a.hex, b.hex);
	key.bytes[31] ^= 0x01;
	assert_int_equal(card_id_compute(&key, CARD_TECH_ISO14443A, uid, sizeof(uid), &c), 0);
	assert_string_not_equal(a.hex, c.hex);
	assert_lower_hex32(c.hex);
}

static void test_compute_too_long(void **state)
{
	(void)state;
	uint8_t uid[256];
	memset(uid, 0x42, sizeof(uid));
	struct card_key key = test_key();
	card_id_t id;
	assert_int_equal(card_id_compute(&key, CARD_TECH_ISO14443A, uid, sizeof(uid), &id), -1);
	assert_int_equal(card_id_compute(&key, CARD_TECH_ISO14443A, uid, 255, &id), 0);
	assert_lower_hex32(id.hex);
}

/* ---- card_identity_from_card ---- */

static struct nfc_card make_card(enum nfc_tech tech, const uint8_t *uid, size_t len)
{
	struct nfc_card c;
	memset(&c, 0, sizeof(c));
	c.tech = tech;
	memcpy(c.uid, uid, len);
	c.uid_len = len;
	return c;
}

static void assert_wiped(const struct nfc_card *c)
{
	assert_int_equal(c->uid_len, 0);
	for (size_t i = 0; i < NFC_UID_MAX; i++)
		assert_int_equal(c->uid[i], 0);
}

static void test_from_card_iso14443a(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6};
	struct card_key key = test_key();
	struct nfc_card c = make_card(NFC_TECH_ISO14443A, uid, sizeof(uid));
	card_id_t id;
	bool unusable = true;
	assert_int_equal(card_identity_from_card(&key, &c, &id, &unusable), 0);
	assert_false(unusable);
	assert_string_equal(id.hex, "ba75c36f39c1a370a07627b62acbe29b");
	assert_wiped(&c);
}

static void test_from_card_felica(void **state)
{
	(void)state;
	static const uint8_t idm[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	struct card_key key = test_key();
	struct nfc_card c = make_card(NFC_TECH_FELICA, idm, sizeof(idm));
	card_id_t id;
	bool unusable = true;
	assert_int_equal(card_identity_from_card(&key, &c, &id, &unusable), 0);
	assert_false(unusable);
	assert_string_equal(id.hex, "939054b5b2dd09f322cff4609402f8f5");
	assert_wiped(&c);
}

static void test_from_card_random_uid(void **state)
{
	(void)state;
	static const uint8_t uid[] = {0x08, 0x12, 0x34, 0x56};
	struct card_key key = test_key();
	struct nfc_card c = make_card(NFC_TECH_ISO14443A, uid, sizeof(uid));
	assert_true(card_uid_is_random(&c));
	card_id_t id;
	memset(&id, 'x', sizeof(id));
	bool unusable = false;
	assert_int_equal(card_identity_from_card(&key, &c, &id, &unusable), 0);
	assert_true(unusable);
	assert_string_equal(id.hex, "");
	assert_false(card_id_valid(id.hex));
	assert_wiped(&c);
}

static void test_random_uid_rules(void **state)
{
	(void)state;
	/* A 7-byte UID starting 0x08 is not random. */
	static const uint8_t seven[] = {0x08, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	struct nfc_card c = make_card(NFC_TECH_ISO14443A, seven, sizeof(seven));
	assert_false(card_uid_is_random(&c));
	struct card_key key = test_key();
	card_id_t id;
	bool unusable = true;
	assert_int_equal(card_identity_from_card(&key, &c, &id, &unusable), 0);
	assert_false(unusable);
	assert_lower_hex32(id.hex);
	assert_wiped(&c);

	/* A FeliCa IDm starting 0x08 is not random. */
	static const uint8_t idm[] = {0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	c = make_card(NFC_TECH_FELICA, idm, sizeof(idm));
	assert_false(card_uid_is_random(&c));
	unusable = true;
	assert_int_equal(card_identity_from_card(&key, &c, &id, &unusable), 0);
	assert_false(unusable);
	/* HMAC-SHA256(key, 02 0801020304050607)[0:16] */
	assert_string_equal(id.hex, "595030c678b9d9bba78ef212eb608751");

	/* A 4-byte UID not starting 0x08 is not random; FeliCa 4 bytes 0x08 is not either. */
	static const uint8_t four[] = {0x04, 0x08, 0x08, 0x08};
	c = make_card(NFC_TECH_ISO14443A, four, sizeof(four));
	assert_false(card_uid_is_random(&c));
	static const uint8_t four08[] = {0x08, 0x00, 0x00, 0x00};
	c = make_card(NFC_TECH_FELICA, four08, sizeof(four08));
	assert_false(card_uid_is_random(&c));
	c = make_card(NFC_TECH_ISO14443A, four08, sizeof(four08));
	assert_true(card_uid_is_random(&c));
}

/* ---- card_key_generate / card_key_load ---- */

static void test_key_generate(void **state)
{
	(void)state;
	char path[128];
	path_in(path, sizeof(path), "generated.key");
	char err[512] = "";
	mode_t old = umask(022);
	int rc = card_key_generate(path, err, sizeof(err));
	umask(old);
	assert_int_equal(rc, 0);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, CARD_KEY_LEN);

	uint8_t bytes[64];
	assert_int_equal(read_file(path, bytes, sizeof(bytes)), CARD_KEY_LEN);

	struct card_key key;
	assert_int_equal(card_key_load(path, &key, err, sizeof(err)), 0);
	assert_memory_equal(key.bytes, bytes, CARD_KEY_LEN);

	/* A second key is different (32 random bytes). */
	char path2[128];
	path_in(path2, sizeof(path2), "generated2.key");
	assert_int_equal(card_key_generate(path2, err, sizeof(err)), 0);
	uint8_t bytes2[64];
	assert_int_equal(read_file(path2, bytes2, sizeof(bytes2)), CARD_KEY_LEN);
	assert_memory_not_equal(bytes, bytes2, CARD_KEY_LEN);
}

static void test_key_generate_never_overwrites(void **state)
{
	(void)state;
	char path[128];
	path_in(path, sizeof(path), "existing.key");
	uint8_t original[CARD_KEY_LEN];
	memset(original, 0x5a, sizeof(original));
	write_file(path, original, sizeof(original), 0600);

	char err[512] = "";
	assert_int_equal(card_key_generate(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	uint8_t after[64];
	assert_int_equal(read_file(path, after, sizeof(after)), CARD_KEY_LEN);
	assert_memory_equal(after, original, CARD_KEY_LEN);

	/* Nor through a symlink to a file that does not exist yet. */
	char link_path[128], target[128];
	path_in(link_path, sizeof(link_path), "link.key");
	path_in(target, sizeof(target), "target.key");
	assert_int_equal(symlink(target, link_path), 0);
	err[0] = '\0';
	assert_int_equal(card_key_generate(link_path, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	struct stat st;
	assert_int_equal(stat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_key_load_ok(void **state)
{
	(void)state;
	char path[128];
	path_in(path, sizeof(path), "ok.key");
	struct card_key want = test_key();
	write_file(path, want.bytes, CARD_KEY_LEN, 0600);
	struct card_key key;
	memset(&key, 0, sizeof(key));
	char err[512] = "";
	assert_int_equal(card_key_load(path, &key, err, sizeof(err)), 0);
	assert_memory_equal(key.bytes, want.bytes, CARD_KEY_LEN);

	/* Owner read-only is fine too. */
	assert_int_equal(chmod(path, 0400), 0);
	memset(&key, 0, sizeof(key));
	assert_int_equal(card_key_load(path, &key, err, sizeof(err)), 0);
	assert_memory_equal(key.bytes, want.bytes, CARD_KEY_LEN);
}

static void assert_load_refused(const char *path, const char *needle)
{
	struct card_key key;
	char err[512] = "";
	assert_int_equal(card_key_load(path, &key, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
}

static void test_key_load_bad_modes(void **state)
{
	(void)state;
	static const mode_t modes[] = {0640, 0604, 0660, 0602, 0620, 0644, 0610, 0601};
	struct card_key k = test_key();
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char path[128], name[32];
		snprintf(name, sizeof(name), "mode%04o.key", (unsigned)modes[i]);
		path_in(path, sizeof(path), name);
		write_file(path, k.bytes, CARD_KEY_LEN, modes[i]);
		assert_load_refused(path, "chmod 600");
	}
}

static void test_key_load_bad_sizes(void **state)
{
	(void)state;
	uint8_t bytes[64];
	memset(bytes, 0x11, sizeof(bytes));
	static const size_t sizes[] = {31, 33, 0, 64};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[128], name[32];
		snprintf(name, sizeof(name), "size%zu.key", sizes[i]);
		path_in(path, sizeof(path), name);
		write_file(path, bytes, sizes[i], 0600);
		char needle[32];
		snprintf(needle, sizeof(needle), "%zu bytes", sizes[i]);
		assert_load_refused(path, needle);
	}
}

static void test_key_load_missing(void **state)
{
	(void)state;
	char path[128];
	path_in(path, sizeof(path), "missing.key");
	assert_load_refused(path, "kioskctl keygen");
	assert_load_refused(path, path);
}

static void test_key_load_directory(void **state)
{
	(void)state;
	char path[128];
	path_in(path, sizeof(path), "dir.key");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_load_refused(path, "not a regular file");
}

/* ---- card_id_valid ---- */

static void test_card_id_valid(void **state)
{
	(void)state;
	assert_true(card_id_valid("0123456789abcdef0123456789abcdef"));
	assert_true(card_id_valid("ba75c36f39c1a370a07627b62acbe29b"));
	assert_false(card_id_valid(""));
	assert_false(card_id_valid("0123456789abcdef0123456789abcde"));   /* 31 */
	assert_false(card_id_valid("0123456789abcdef0123456789abcdef0")); /* 33 */
	assert_false(card_id_valid("0123456789ABCDEF0123456789abcdef"));  /* upper case */
	assert_false(card_id_valid("0123456789abcdef0123456789abcdeg"));
	assert_false(card_id_valid("0123456789abcdef 123456789abcdef"));
	assert_false(card_id_valid("0123456789abcdef0123456789abcde\n"));
	assert_false(card_id_valid("/123456789abcdef0123456789abcdef")); /* '0' - 1 */
	assert_false(card_id_valid(":123456789abcdef0123456789abcdef")); /* '9' + 1 */
	assert_false(card_id_valid("`123456789abcdef0123456789abcdef")); /* 'a' - 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer_iso14443a_7byte),
		cmocka_unit_test(test_known_answer_felica),
		cmocka_unit_test(test_known_answer_iso14443a_4byte),
		cmocka_unit_test(test_known_answer_iso14443a_10byte),
		cmocka_unit_test(test_tech_byte_matters),
		cmocka_unit_test(test_compute_depends_on_key_and_is_stable),
		cmocka_unit_test(test_compute_too_long),
		cmocka_unit_test(test_from_card_iso14443a),
		cmocka_unit_test(test_from_card_felica),
		cmocka_unit_test(test_from_card_random_uid),
		cmocka_unit_test(test_random_uid_rules),
		cmocka_unit_test(test_key_generate),
		cmocka_unit_test(test_key_generate_never_overwrites),
		cmocka_unit_test(test_key_load_ok),
		cmocka_unit_test(test_key_load_bad_modes),
		cmocka_unit_test(test_key_load_bad_sizes),
		cmocka_unit_test(test_key_load_missing),
		cmocka_unit_test(test_key_load_directory),
		cmocka_unit_test(test_card_id_valid),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
