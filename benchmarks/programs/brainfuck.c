/* brainfuck: branchy — a Brainfuck interpreter (bracket table precomputed, switch dispatch over
 * characters, byte loads/stores on the tape, short data-dependent loops) running a fixed
 * program: the classic "Hello World!" followed by a nested counting loop (255 x 255 x 6 cell
 * updates), repeated on a fresh tape.
 * argv[1] scales the work (program runs, default 4). Prints the output and a tape checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hello[] =
    "++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------."
    "--------.>>+.>++.";
/* cells 0..4 cleared, then c0 = 255 outer, c1 = 255 inner; the body adds 1, 2, 3 to c2..c4 */
static const char busy[] = "[-]>[-]>[-]>[-]>[-]<<<<-[>-[>+>++>+++<<<-]<-]>>[<<+>>-]";

static unsigned char tape[30000];
static int match[256];
static char outbuf[64];

static unsigned run(const char *prog, int *outlen) {
    int n = (int)strlen(prog), stack[64], sp = 0;
    for (int i = 0; i < n; i++) {
        if (prog[i] == '[') stack[sp++] = i;
        else if (prog[i] == ']') { int j = stack[--sp]; match[i] = j; match[j] = i; }
    }
    unsigned char *p = tape;
    for (int i = 0; i < n; i++) {
        switch (prog[i]) {
        case '+': ++*p; break;
        case '-': --*p; break;
        case '>': ++p; break;
        case '<': --p; break;
        case '[': if (!*p) i = match[i]; break;
        case ']': if (*p) i = match[i]; break;
        case '.': if (*outlen < (int)sizeof outbuf - 1) outbuf[(*outlen)++] = (char)*p; break;
        default: break;
        }
    }
    unsigned sum = 0;
    for (int k = 0; k < 16; k++) sum = sum * 257 + tape[k];
    return sum;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 4, outlen = 0;
    static char prog[sizeof hello + sizeof busy];
    strcpy(prog, hello);
    strcat(prog, busy);
    unsigned check = 0;
    for (int r = 0; r < runs; r++) {
        memset(tape, 0, sizeof tape);
        outlen = 0;
        check = check * 31 + run(prog, &outlen);
    }
    outbuf[outlen] = 0;
    printf("%s", outbuf);
    printf("check %u\n", check);
    return 0;
}
