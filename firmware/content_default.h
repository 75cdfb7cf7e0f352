/*
 * content_default: the bundle a kiosk shows before it has one of its own
 * (a new kiosk, before the office's first content or a
 * `kioskctl content import`). It holds only the national hotlines whose
 * numbers were checked (../shared/notes/hotlines.md, 2026-11-29), which are
 * right for every kiosk in Japan; no local windows, sessions or sites (a
 * made-up window on a real kiosk would send a woman to a number that does
 * not exist), and no help URL (so no QR code until the office names its
 * page). firmware/content.example.json is the fuller example, clearly
 * marked, for demonstrations and tests.
 */
#ifndef KIOSK_CONTENT_DEFAULT_H
#define KIOSK_CONTENT_DEFAULT_H

/* The default bundle's JSON text (valid for content_parse()). */
extern const char content_default_json[];

#endif
