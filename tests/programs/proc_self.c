/* /proc/self/maps, /proc/self/auxv and /proc/self/cmdline as the guest sees them: prints what
 * does not depend on where things were loaded (qemu-riscv64 and dbt-vm choose different
 * addresses), so that the output can be compared with qemu's. */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct line { unsigned long start, end, offset, inode; unsigned major, minor; char perms[5];
              char name[256]; int name_column; };
static struct line lines[512];
static int nlines;

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void read_maps(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char text[512];
    if (!f) { perror("/proc/self/maps"); exit(1); }
    while (nlines < 512 && fgets(text, sizeof text, f)) {
        struct line *l = &lines[nlines];
        int at = 0;
        text[strcspn(text, "\n")] = 0;
        if (sscanf(text, "%lx-%lx %4s %lx %x:%x %lu %n", &l->start, &l->end, l->perms,
                   &l->offset, &l->major, &l->minor, &l->inode, &at) != 7) {
            printf("bad line: %s\n", text);
            continue;
        }
        snprintf(l->name, sizeof l->name, "%s", text + at);
        l->name_column = l->name[0] ? at : 0;
        nlines++;
    }
    fclose(f);
}

static struct line *line_of(unsigned long addr) {
    for (int i = 0; i < nlines; i++)
        if (lines[i].start <= addr && addr < lines[i].end) return &lines[i];
    return NULL;
}

static const char *exe_path;

/* the name a line is shown under: the program's path depends on where the checkout is */
static const char *shown_name(const struct line *l) {
    return strcmp(l->name, exe_path) ? base_name(l->name) : "(the program)";
}

/* file lines by shown name, then offset and permissions (the order of files in memory
 * differs between qemu and dbt-vm, and full paths differ between machines) */
static int by_name(const void *a, const void *b) {
    const struct line *x = a, *y = b;
    int c = strcmp(shown_name(x), shown_name(y));
    if (c) return c;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return strcmp(x->perms, y->perms);
}

static void show_maps(const char *exe) {
    static struct line files[512];
    struct stat st;
    int sorted = 1, columns = 1, nfiles = 0;
    if (stat(exe, &st)) { perror(exe); exit(1); }
    exe_path = exe;
    for (int i = 0; i < nlines; i++) {
        if (i && lines[i].start < lines[i - 1].end) sorted = 0;
        if (lines[i].name_column && lines[i].name_column != 73) columns = 0;
        if (lines[i].name[0] == '/') files[nfiles++] = lines[i];  /* anonymous lines differ */
    }
    qsort(files, nfiles, sizeof *files, by_name);
    for (int i = 0; i < nfiles; i++) {
        int is_exe = !strcmp(files[i].name, exe);
        printf("map %-30s %s offset %#lx%s\n", shown_name(&files[i]),
               files[i].perms, files[i].offset,
               is_exe ? (files[i].inode == st.st_ino && makedev(files[i].major, files[i].minor)
                         == st.st_dev ? " (its device and inode)" : " (another inode)") : "");
    }
    printf("lines sorted and disjoint: %s; names at column 73: %s\n", sorted ? "yes" : "no",
           columns ? "yes" : "no");
    int local = 0;
    struct line *l = line_of((unsigned long)&local);
    printf("a local variable is in: %s %s\n", l ? l->name : "(nothing)", l ? l->perms : "");
    l = line_of((unsigned long)&show_maps);
    printf("code of main program is in: %s %s\n",
           l ? (strcmp(l->name, exe) ? l->name : "(the program)") : "(nothing)", l ? l->perms : "");
    l = line_of((unsigned long)&printf);
    printf("printf is in: %s %s\n", l ? (strcmp(l->name, exe) ? base_name(l->name)
           : "(the program)") : "(nothing)", l ? l->perms : "");
}

static void show_auxv(const char *argv0) {
    FILE *f = fopen("/proc/self/auxv", "rb");
    uint64_t pair[2];
    int matches = 1;
    if (!f) { perror("/proc/self/auxv"); exit(1); }
    printf("auxv keys:");
    while (fread(pair, sizeof pair, 1, f) == 1) {
        printf(" %lu", (unsigned long)pair[0]);
        if (pair[0] == AT_NULL) break;
        if (getauxval(pair[0]) != pair[1]) matches = 0;
    }
    fclose(f);
    printf("\nauxv file matches getauxval: %s\n", matches ? "yes" : "no");
    printf("AT_PAGESZ %lu AT_PHENT %lu AT_HWCAP %#lx AT_SECURE %lu AT_FLAGS %lu\n",
           getauxval(AT_PAGESZ), getauxval(AT_PHENT), getauxval(AT_HWCAP), getauxval(AT_SECURE),
           getauxval(AT_FLAGS));
    printf("AT_UID/EUID/GID/EGID are the ids: %s\n",
           getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid()
           && getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid() ? "yes" : "no");
    printf("AT_EXECFN is argv[0]: %s\n",
           strcmp((const char *)getauxval(AT_EXECFN), argv0) ? "no" : "yes");

    /* AT_PHDR and AT_ENTRY against the program's own ELF header */
    FILE *exe = fopen("/proc/self/exe", "rb");
    Elf64_Ehdr eh;
    if (!exe || fread(&eh, sizeof eh, 1, exe) != 1) { puts("cannot read /proc/self/exe"); exit(1); }
    fclose(exe);
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long bias = 0, first_load = 0;
    int have_load = 0;
    for (unsigned i = 0; i < getauxval(AT_PHNUM); i++) {
        if (ph[i].p_type == PT_PHDR) bias = (unsigned long)ph - ph[i].p_vaddr;
        if (ph[i].p_type == PT_LOAD && !have_load) { first_load = ph[i].p_vaddr; have_load = 1; }
    }
    if (!bias) bias = (unsigned long)ph - (eh.e_phoff + (first_load & ~0xfffUL));
    printf("%s, AT_PHNUM is e_phnum: %s, AT_ENTRY is e_entry + bias: %s, bias page-aligned: %s\n",
           eh.e_type == ET_DYN ? "ET_DYN" : "ET_EXEC", getauxval(AT_PHNUM) == eh.e_phnum ? "yes" : "no",
           getauxval(AT_ENTRY) == eh.e_entry + (eh.e_type == ET_DYN ? bias : 0) ? "yes" : "no",
           bias & 0xfff ? "no" : "yes");
    unsigned long base = getauxval(AT_BASE);
    if (base) {
        struct line *l = line_of(base);
        printf("AT_BASE: an ELF header %s, mapped from %s %s offset %#lx\n",
               memcmp((const void *)base, ELFMAG, SELFMAG) ? "no" : "yes",
               l ? base_name(l->name) : "(nothing)", l ? l->perms : "", l ? l->offset : 0);
    } else {
        printf("AT_BASE: 0\n");
    }
}

static void show_cmdline(void) {
    FILE *f = fopen("/proc/self/cmdline", "rb");
    char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    printf("cmdline:");
    for (size_t i = 0, start = 0; i < n; i++)
        if (!buf[i]) { printf(" [%s]", i == 0 ? "" : base_name(buf + start)); start = i + 1; }
    printf("\n");
}

int main(int argc, char **argv) {
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len < 0) { perror("readlink"); return 1; }
    exe[len] = 0;
    read_maps();
    show_maps(exe);
    show_auxv(argv[0]);
    show_cmdline();
    (void)argc;
    return 0;
}
