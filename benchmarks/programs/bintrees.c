/* bintrees: calls, recursion and allocation — the binary-trees benchmark: build complete
 * binary trees of depth 4, 6, .. up to n with malloc, walk them recursively, free them
 * (recursive calls, pointer chasing, libc malloc/free of small fixed-size blocks).
 * argv[1] is the maximum depth n (default 14: about 3 million nodes; each step of 1 in n
 * about doubles the work). */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *left, *right; };

static struct node *build(int depth) {
    struct node *n = malloc(sizeof *n);
    if (depth > 0) { n->left = build(depth - 1); n->right = build(depth - 1); }
    else n->left = n->right = NULL;
    return n;
}

static long check(const struct node *n) {
    return n->left ? 1 + check(n->left) + check(n->right) : 1;
}

static void release(struct node *n) {
    if (n->left) { release(n->left); release(n->right); }
    free(n);
}

int main(int argc, char **argv) {
    int maxdepth = argc > 1 ? atoi(argv[1]) : 14;
    struct node *longlived = build(maxdepth);
    long total = 0;
    for (int d = 4; d <= maxdepth; d += 2) {
        long iters = 1L << (maxdepth - d + 4);
        for (long i = 0; i < iters; i++) {
            struct node *t = build(d);
            total += check(t);
            release(t);
        }
    }
    printf("total %ld long-lived %ld\n", total, check(longlived));
    release(longlived);
    return 0;
}
