/*
 * card_identity: see card_identity.h.
 */
#include "card_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_HOWTO                                                                           \
	"the deployment key is made once per deployment with \"kioskctl keygen FILE\" on the " \
	"card-issuing station and installed on every kiosk with mode 0600 (see docs/install.md)"

/*
 * The exact command that installs the key, with the user kioskd runs as
 * (under systemd, the package's "kioskd"), so the journal line can be
 * followed as it stands.
 */
static void key_install_howto(const char *path, char *out, size_t len)
{
	char user[64] = "kioskd", group[64] = "kioskd";
	struct passwd pw, *found = NULL;
	char buf[1024];
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(user, sizeof(user), "%s", found->pw_name);
	/* The group by its own name: nobody's group is nogroup, not nobody. */
	struct group gr, *gfound = NULL;
	if (getgrgid_r(getegid(), &gr, buf, sizeof(buf), &gfound) == 0 && gfound)
		snprintf(group, sizeof(group), "%s", gfound->gr_name);
	snprintf(out, len,
		 "the deployment key is made once per deployment, never on a kiosk: on the "
		 "card-issuing station run \"kioskctl keygen card.key\", back it up offline, "
		 "then on this kiosk run \"install -m 0600 -o %s -g %s card.key %s\" "
		 "(docs/install.md)",
		 user, group, path);
}

int card_key_load(const char *path, struct card_key *key, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int saved = errno;
		char howto[384];
		key_install_howto(path, howto, sizeof(howto));
		if (saved == ENOENT)
			snprintf(err, errlen, "no deployment key at %s: %s", path, howto);
		else if (saved == EACCES)
			snprintf(err, errlen, "cannot read deployment key %s: %s: it must belong to the "
				 "user kioskd runs as: %s", path, strerror(saved), howto);
		else
			snprintf(err, errlen, "cannot open deployment key %s: %s", path, strerror(saved));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "deployment key %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "deployment key %s has mode %04o: group and others must have no access; "
			 "run: chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	if (st.st_size != CARD_KEY_LEN) {
		snprintf(err, errlen, "deployment key %s is %lld bytes, not %d: %s", path,
			 (long long)st.st_size, CARD_KEY_LEN, KEY_HOWTO);
		close(fd);
		return -1;
	}
	ssize_t n = read(fd, key->bytes, CARD_KEY_LEN);
	close(fd);
	if (n != CARD_KEY_LEN) {
		explicit_bzero(key, sizeof(*key));
		snprintf(err, errlen, "cannot read deployment key %s", path);
		return -1;
	}
	return 0;
}

int card_key_generate(const char *path, char *err, size_t errlen)
{
	uint8_t bytes[CARD_KEY_LEN];
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			snprintf(err, errlen,
				 "%s exists: a deployment has one key; keep it (and its backup) "
				 "rather than making a second",
				 path);
		else
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		explicit_bzero(bytes, sizeof(bytes));
		return -1;
	}
	/* The umask may have narrowed the mode further; never widened it. */
	ssize_t n = write(fd, bytes, sizeof(bytes));
	explicit_bzero(bytes, sizeof(bytes));
	if (n != (ssize_t)sizeof(bytes) || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int card_id_compute(const struct card_key *key, enum card_tech_byte tech, const uint8_t *uid,
		    size_t uid_len, card_id_t *out)
{
	uint8_t message[1 + 255];
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;

	if (uid_len > sizeof(message) - 1)
		return -1;
	message[0] = (uint8_t)tech;
	memcpy(message + 1, uid, uid_len);
	const unsigned char *ok = HMAC(EVP_sha256(), key->bytes, CARD_KEY_LEN, message,
				       1 + uid_len, mac, &mac_len);
	explicit_bzero(message, sizeof(message));
	if (!ok || mac_len < CARD_ID_HEX_LEN / 2)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < CARD_ID_HEX_LEN / 2; i++) {
		out->hex[2 * i] = hex[mac[i] >> 4];
		out->hex[2 * i + 1] = hex[mac[i] & 0x0f];
	}
	out->hex[CARD_ID_HEX_LEN] = '\0';
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

bool card_uid_is_random(const struct nfc_card *card)
{
	return card->tech == NFC_TECH_ISO14443A && card->uid_len == 4 && card->uid[0] == 0x08;
}

int card_identity_from_card(const struct card_key *key, struct nfc_card *card, card_id_t *out,
			    bool *unusable)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	*unusable = card_uid_is_random(card);
	if (!*unusable) {
		enum card_tech_byte tech =
			card->tech == NFC_TECH_FELICA ? CARD_TECH_FELICA : CARD_TECH_ISO14443A;
		rc = card_id_compute(key, tech, card->uid, card->uid_len, out);
	}
	explicit_bzero(card->uid, sizeof(card->uid));
	card->uid_len = 0;
	return rc;
}

bool card_id_valid(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++) {
		if (i >= CARD_ID_HEX_LEN || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == CARD_ID_HEX_LEN;
}
