/*
 * office_ingest_tls: the load generator for bench/office_ingest.py's HTTPS
 * figure: reports over HTTPS with a new TCP and TLS connection for every
 * report, as real kiosks reporting minutes apart connect, optionally
 * resuming TLS sessions (tickets) the way libcurl does across connections.
 *
 *   office-ingest-tls URL CA_FILE TOKENS_FILE CONCURRENCY SECONDS RESUME(0|1)
 *
 * TOKENS_FILE holds "kiosk_id token" lines. Prints one JSON line:
 * {"reports":N,"rate":R,"p50_ms":..,"p99_ms":..,"errors":E,"resumed":F}
 * where resumed is the fraction of handshakes that resumed a session.
 *
 * libcurl's multi interface keeps CONCURRENCY requests in flight from one
 * thread; CURLOPT_FORBID_REUSE closes each connection after its report; a
 * share handle carries TLS sessions from one connection to the next.
 */
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KIOSKS 1024
#define MAX_SAMPLES (1 << 22)

struct slot {
	CURL *easy;
	struct curl_slist *headers;
	char body[2048];
	double started;
	int kiosk;
	int tls_seen, tls_resumed; /* set once the connection is up */
};

static char ids[MAX_KIOSKS][64], tokens[MAX_KIOSKS][128];
static int n_kiosks;
static double *samples;
static size_t n_samples;
static long errors, resumed, handshakes;
static long long counter;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *d, size_t s, size_t n, void *u)
{
	(void)d;
	(void)u;
	return s * n;
}

/* Called with the connection up and the request not yet sent: the one
 * moment the TLS session is there to ask whether it was resumed (with
 * FORBID_REUSE it is gone by the time the transfer is done). */
static int on_prereq(void *arg, char *ip, char *local_ip, int port, int local_port)
{
	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	struct slot *s = arg;
	struct curl_tlssessioninfo *tls = NULL;
	if (curl_easy_getinfo(s->easy, CURLINFO_TLS_SSL_PTR, &tls) == CURLE_OK && tls &&
	    tls->backend == CURLSSLBACKEND_OPENSSL && tls->internals) {
		s->tls_seen = 1;
		s->tls_resumed = SSL_session_reused((SSL *)tls->internals);
	}
	return CURL_PREREQFUNC_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void prepare(struct slot *s, const char *url, const char *ca, CURLSH *share, time_t t0)
{
	counter++;
	s->kiosk = (int)(counter % n_kiosks);
	snprintf(s->body, sizeof(s->body),
		 "{\"protocol\":1,\"kiosk_id\":\"%s\",\"site_id\":\"12\",\"firmware\":\"bench\","
		 "\"sent_at\":%lld,\"clock_synchronized\":true,\"stock\":{\"level\":40,"
		 "\"low_water\":10,\"low\":false},\"health\":{\"reader\":\"ok\",\"display\":"
		 "\"ssd1306\",\"last_error\":\"\"},\"days\":[{\"date\":\"2026-11-29\",\"revision\":"
		 "%lld,\"clock_unsynced\":0,\"handouts\":%lld,\"denied_limit\":1,\"denied_revoked\":0,"
		 "\"denied_not_issued\":0,\"denied_out_of_stock\":0,\"denied_unusable_card\":0,"
		 "\"not_taken\":0,\"restocked_sets\":10,\"new_cards\":3,\"help_requests\":1}],"
		 "\"card_events\":[]}",
		 ids[s->kiosk], (long long)t0, counter, counter % 50);
	curl_easy_reset(s->easy);
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	curl_easy_setopt(s->easy, CURLOPT_CAINFO, ca);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	if (share)
		curl_easy_setopt(s->easy, CURLOPT_SHARE, share);
	else
		curl_easy_setopt(s->easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	char auth[200];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tokens[s->kiosk]);
	curl_slist_free_all(s->headers);
	s->headers = curl_slist_append(NULL, auth);
	s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
	s->headers = curl_slist_append(s->headers, "Expect:");
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(s->easy, CURLOPT_PREREQDATA, s);
	s->tls_seen = s->tls_resumed = 0;
	s->started = now_s();
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s URL CA TOKENS CONCURRENCY SECONDS RESUME\n", argv[0]);
		return 2;
	}
	const char *url = argv[1], *ca = argv[2];
	int concurrency = atoi(argv[4]);
	double seconds = atof(argv[5]);
	int resume = atoi(argv[6]);
	FILE *f = fopen(argv[3], "r");
	if (!f) {
		perror(argv[3]);
		return 1;
	}
	while (n_kiosks < MAX_KIOSKS &&
	       fscanf(f, "%63s %127s", ids[n_kiosks], tokens[n_kiosks]) == 2)
		n_kiosks++;
	fclose(f);
	if (n_kiosks == 0 || concurrency < 1 || concurrency > 4096)
		return 2;
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLSH *share = NULL;
	if (resume) {
		share = curl_share_init();
		curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	}
	CURLM *multi = curl_multi_init();
	struct slot *slots = calloc((size_t)concurrency, sizeof(*slots));
	time_t t0 = time(NULL);
	double start = now_s(), end = start + seconds;
	for (int i = 0; i < concurrency; i++) {
		slots[i].easy = curl_easy_init();
		prepare(&slots[i], url, ca, share, t0);
		curl_multi_add_handle(multi, slots[i].easy);
	}
	int running = concurrency;
	while (running > 0) {
		curl_multi_perform(multi, &running);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct slot *s;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			long code = 0;
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
			handshakes += s->tls_seen;
			resumed += s->tls_resumed;
			if (m->data.result != CURLE_OK || code != 200)
				errors++;
			else if (n_samples < MAX_SAMPLES)
				samples[n_samples++] = now_s() - s->started;
			curl_multi_remove_handle(multi, s->easy);
			if (now_s() < end) {
				prepare(s, url, ca, share, t0);
				curl_multi_add_handle(multi, s->easy);
				running++;
			}
		}
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	double elapsed = now_s() - start;
	qsort(samples, n_samples, sizeof(*samples), cmp_double);
	double p50 = n_samples ? samples[n_samples / 2] : 0;
	double p99 = n_samples ? samples[(size_t)((double)n_samples * 0.99)] : 0;
	printf("{\"reports\":%zu,\"rate\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"errors\":%ld,"
	       "\"resumed\":%.3f}\n",
	       n_samples, (double)n_samples / elapsed, p50 * 1000, p99 * 1000, errors,
	       handshakes ? (double)resumed / (double)handshakes : 0.0);
	for (int i = 0; i < concurrency; i++) {
		curl_easy_cleanup(slots[i].easy);
		curl_slist_free_all(slots[i].headers);
	}
	free(slots);
	free(samples);
	curl_multi_cleanup(multi);
	if (share)
		curl_share_cleanup(share);
	curl_global_cleanup();
	return 0;
}
