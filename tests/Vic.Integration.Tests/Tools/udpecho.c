// A UDP echo server for the published-UDP-port test: busybox has no UDP tool. Built static by the test, bind-mounted
// into a busybox container. Replies "echo:<datagram>" to the sender of each datagram on the port given as argv[1];
// with a second argument (any), "echo:<datagram> from <sender's address>", for tests that check who the sender was.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = INADDR_ANY};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    char buf[65536];
    for (;;) {
        struct sockaddr_in peer; socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) continue;
        char reply[65600];
        int m = argc > 2 ? snprintf(reply, sizeof reply, "echo:%.*s from %s", (int)n, buf, inet_ntoa(peer.sin_addr))
                         : snprintf(reply, sizeof reply, "echo:%.*s", (int)n, buf);
        sendto(fd, reply, m, 0, (struct sockaddr *)&peer, len);
    }
}
