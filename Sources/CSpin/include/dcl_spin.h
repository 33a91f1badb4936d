// The CPU's spin-wait hint, which Swift cannot spell. A polling loop that executes it tells the
// core (and an SMT sibling or the hypervisor) that it is waiting: the loop uses less power, and
// leaving it does not pay a memory-order mis-speculation flush.
#ifndef DCL_SPIN_H
#define DCL_SPIN_H

static inline void dcl_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

#endif
