/* SPDX-License-Identifier: MIT */
/* runrss - run a command and report its resource use.
 *
 *   runrss OUTFILE COMMAND [ARG...]
 *
 * Forks, execs COMMAND, waits for it with wait4() and writes one line to
 * OUTFILE: "maxrss_kb utime_s stime_s". Exits with the command's status
 * (128 + signal when killed). Built static and small on purpose: a child's
 * peak RSS includes the image it was forked from, so measuring from a big
 * process (a Python runner) would report the runner's size for small
 * clients.
 */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct rusage ru;
    int status = 0;
    pid_t pid;
    FILE *f;

    if (argc < 3) {
        fputs("usage: runrss OUTFILE COMMAND [ARG...]\n", stderr);
        return 64;
    }
    pid = fork();
    if (pid < 0)
        return 71;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0)
        return 71;
    f = fopen(argv[1], "w");
    if (f != NULL) {
        fprintf(f, "%ld %ld.%06ld %ld.%06ld\n", ru.ru_maxrss,
                (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
                (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
        fclose(f);
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
