/*
 * nearby: see nearby.h.
 */
#include "nearby.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nearby_site *nearby_sites_from_bundle(json_t *bundle, size_t *n)
{
	json_t *sites = json_object_get(bundle, "sites");
	size_t count = json_array_size(sites), used = 0;
	*n = 0;
	struct nearby_site *out = calloc(count ? count : 1, sizeof(*out));
	if (!out)
		return NULL;
	size_t i;
	json_t *s;
	json_array_foreach(sites, i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		json_t *lat = json_object_get(s, "lat"), *lon = json_object_get(s, "lon");
		if (!id || !protocol_valid_id(id) || !json_is_number(lat) || !json_is_number(lon))
			continue;
		memcpy(out[used].site_id, id, strlen(id) + 1);
		out[used].lat = json_number_value(lat);
		out[used].lon = json_number_value(lon);
		used++;
	}
	*n = used;
	return out;
}

double nearby_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6371.0, rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * r * asin(sqrt(a < 1 ? a : 1));
}

size_t nearby_pick(const struct nearby_site *sites, size_t n, const char *site_id, double radius_km,
		   size_t max, size_t *out)
{
	const struct nearby_site *home = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(sites[i].site_id, site_id) == 0)
			home = &sites[i];
	}
	if (!home || max == 0)
		return 0;
	/* Insertion into a short sorted list: max is small. */
	double dist[64];
	if (max > 64)
		max = 64;
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (&sites[i] == home || strcmp(sites[i].site_id, site_id) == 0)
			continue;
		double d = nearby_distance_km(home->lat, home->lon, sites[i].lat, sites[i].lon);
		if (d > radius_km || (used == max && d >= dist[used - 1]))
			continue;
		size_t at = used < max ? used++ : max - 1;
		while (at > 0 && dist[at - 1] > d) {
			dist[at] = dist[at - 1];
			out[at] = out[at - 1];
			at--;
		}
		dist[at] = d;
		out[at] = i;
	}
	return used;
}
