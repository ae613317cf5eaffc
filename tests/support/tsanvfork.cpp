// Only in the tests of ThreadSanitizer builds (POOLKEEPER_TSAN): QProcess::start under TSan.
//
// Qt 6.4's QProcess::start creates the child with clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD):
// until it execs, the child runs in the parent's memory. gcc 12's ThreadSanitizer intercepts
// clone and runs its after-fork code in the child, which with CLONE_VM changes the parent's own
// state: from then on the parent ignores the memory accesses of the thread that started the
// process and drops its reports, and it dies at its next pthread_create ("ThreadSanitizer:
// starting new threads after multi-threaded fork is not supported"). Every test that runs
// poolkeeper-cli would go blind or die.
//
// This definition comes first in symbol lookup (the executable is searched before libtsan and
// libc), so Qt's call lands here. A vfork-like clone loses CLONE_VM: the child gets a copy of the
// memory, as with fork(), and ThreadSanitizer's interceptor (the next definition) handles it as
// the ordinary fork it then is. CLONE_VFORK stays (the parent still waits for the exec), and the
// child does what it did before: Qt's child code writes nothing the parent reads back from memory
// (it reports a failed exec through a pipe), which is how Qt itself runs it when it uses fork().

#include <cstdarg>
#include <dlfcn.h>
#include <sched.h>
#include <sys/types.h>

extern "C" int clone(int (*fn)(void*), void* stack, int flags, void* arg, ...) noexcept
{
    using Clone = int (*)(int (*)(void*), void*, int, void*, ...);
    static const auto next = reinterpret_cast<Clone>(dlsym(RTLD_NEXT, "clone"));
    va_list rest;
    va_start(rest, arg);
    pid_t* parentTid = va_arg(rest, pid_t*);
    void* tls = va_arg(rest, void*);
    pid_t* childTid = va_arg(rest, pid_t*);
    va_end(rest);
    if ((flags & CLONE_VM) && (flags & CLONE_VFORK) && !(flags & CLONE_THREAD))
        flags &= ~CLONE_VM;
    return next(fn, stack, flags, arg, parentTid, tls, childTid);
}
