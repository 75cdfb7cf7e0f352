/*
 * netwatch: see netwatch.h.
 */
#include "netwatch.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct netwatch {
	struct event_loop *loop;
	int fd;
	void (*changed)(void *ctx);
	void *ctx;
};

static void on_netlink(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct netwatch *w = arg;
	char buf[8192];
	bool any = false;
	/* Drain everything queued: one call per burst of changes. */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		unsigned len = (unsigned)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_NEWROUTE ||
			    h->nlmsg_type == RTM_NEWLINK)
				any = true;
		}
	}
	if (any)
		w->changed(w->ctx);
}

struct netwatch *netwatch_start(struct event_loop *loop, void (*changed)(void *ctx), void *ctx)
{
	struct netwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->loop = loop;
	w->changed = changed;
	w->ctx = ctx;
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK,
				   .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
						RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE};
	if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    event_loop_add(loop, w->fd, EPOLLIN, on_netlink, w) != 0) {
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return NULL;
	}
	return w;
}

void netwatch_stop(struct netwatch *w)
{
	if (!w)
		return;
	event_loop_remove(w->loop, w->fd);
	close(w->fd);
	free(w);
}
