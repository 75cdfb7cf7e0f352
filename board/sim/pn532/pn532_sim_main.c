/*
 * pn532-sim: stub main, replaced by the real simulator shortly.
 */
#include <stdio.h>

int main(void)
{
	fputs("pn532-sim: not built yet\n", stderr);
	return 1;
}
