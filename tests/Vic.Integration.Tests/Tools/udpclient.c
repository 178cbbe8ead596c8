// A UDP client for the outbound-UDP test and benchmark: busybox's nc has no -u. Built static by the test, bind-mounted
// into a busybox container. Usage: udpclient HOST PORT MESSAGE [ROUNDS]. Sends MESSAGE and prints the first reply
// (retrying up to 5 times, 2 s apart); with ROUNDS, then makes that many more round trips and prints
// "rounds=N avg_us=X min_us=Y" (a round trip that gets no reply within 2 s fails the run).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: udpclient HOST PORT MESSAGE [ROUNDS]\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (fd < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("udpclient"); return 2;
    }
    struct timeval wait = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    char buf[65536];
    ssize_t n = -1;
    for (int attempt = 0; attempt < 5 && n < 0; attempt++) {
        send(fd, argv[3], strlen(argv[3]), 0);
        n = recv(fd, buf, sizeof buf - 1, 0);
    }
    if (n < 0) { fprintf(stderr, "udpclient: no reply\n"); return 1; }
    buf[n] = 0;
    printf("%s\n", buf);
    int rounds = argc > 4 ? atoi(argv[4]) : 0;
    long total = 0, best = -1;
    for (int i = 0; i < rounds; i++) {
        long start = now_us();
        send(fd, argv[3], strlen(argv[3]), 0);
        if (recv(fd, buf, sizeof buf, 0) < 0) { fprintf(stderr, "udpclient: round %d got no reply\n", i); return 1; }
        long took = now_us() - start;
        total += took;
        if (best < 0 || took < best) best = took;
    }
    if (rounds > 0)
        printf("rounds=%d avg_us=%ld min_us=%ld\n", rounds, total / rounds, best);
    return 0;
}
