// Only in ThreadSanitizer builds (POOLKEEPER_TSAN), linked into the tests and the poolkeeper-cli
// they run: what ThreadSanitizer cannot see in an uninstrumented Qt, told to it.
//
// Debian's Qt is not built with -fsanitize=thread: the atomics and futexes inside libQt6Core are
// invisible to TSan, so the synchronisation our code gets from Qt looks like nothing and every
// access it orders is reported as a data race:
//
//   - QReadWriteLock (core/logs: the log document's lock; QtSql's connection list): its lock and
//     unlock run inside Qt. (QMutex needs nothing: Qt 6's header inlines it with annotations.)
//   - QMetaObject::invokeMethod with a functor: the slot object carrying the functor is built in
//     the posting thread, run and destroyed in the receiving one (or destroyed by the poster when
//     the receiver was quicker), handed over through Qt's event queue and reference count.
//   - A signal delivered to another thread (queued connection): what the emitter did before it
//     emitted is ordered before the slot runs by Qt's event queue.
//   - QThread::wait(): the finished thread's work is ordered before wait() returns by Qt's own
//     mutex (pthread_join is never called: QThreads are detached).
//
// Each of these functions is exported by libQt6Core and called from our code through the PLT; a
// definition here comes first in symbol lookup, adds the TSan annotation describing the
// synchronisation Qt performs, and calls Qt's own (the next definition, found with RTLD_NEXT).
// Nothing else changes: the real lock, queue and thread do the work. The annotations model
// the order Qt guarantees (a read or write lock; a posted call after its posting; a queued slot
// after the emission; a thread's end before wait() returns), so they hide no race that exists.
//
// Limits: a recursive QReadWriteLock would need the reentrant flags (none is used); an unlock
// through QWaitCondition::wait(QReadWriteLock*) is not seen (not used either); the copies Qt makes
// of a queued signal's arguments are made after the emission is annotated (tests/tsan.supp).

#include <QCoreApplication>
#include <QEvent>
#include <QObject>
#include <QReadWriteLock>
#include <QThread>
#include <QVariant>

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

namespace {

template<typename Function> Function next(const char* mangledName)
{
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, mangledName));
}

// ---- QReadWriteLock ---------------------------------------------------------------------------
// unlock() does not say whether it ends a read or a write lock; each thread remembers what it
// holds. A plain array: no destructor that could run before the last unlock of a thread.
struct Held
{
    const void* lock;
    unsigned flags;
};
constexpr int maxHeld = 32;
thread_local Held held[maxHeld];
thread_local int heldCount = 0;

void remember(const void* lock, unsigned flags)
{
    if (heldCount < maxHeld)
        held[heldCount++] = { lock, flags };
}

// The flags the lock was taken with, or false when it was not annotated.
bool forget(const void* lock, unsigned& flags)
{
    for (int i = heldCount - 1; i >= 0; --i) {
        if (held[i].lock == lock) {
            flags = held[i].flags;
            held[i] = held[--heldCount];
            return true;
        }
    }
    return false;
}

using LockFn = void (*)(QReadWriteLock*);
using TryLockFn = bool (*)(QReadWriteLock*);
using TryLockTimeoutFn = bool (*)(QReadWriteLock*, int);

void annotatedLock(QReadWriteLock* lock, LockFn real, unsigned flags)
{
    __tsan_mutex_pre_lock(lock, flags);
    real(lock);
    __tsan_mutex_post_lock(lock, flags, 0);
    remember(lock, flags);
}

template<typename Try> bool annotatedTryLock(QReadWriteLock* lock, unsigned flags, Try tryLock)
{
    flags |= __tsan_mutex_try_lock;
    __tsan_mutex_pre_lock(lock, flags);
    const bool locked = tryLock();
    __tsan_mutex_post_lock(lock, locked ? flags : flags | __tsan_mutex_try_lock_failed, 0);
    if (locked)
        remember(lock, flags & __tsan_mutex_read_lock);
    return locked;
}

// ---- QMetaObject::invokeMethod, signals ------------------------------------------------------
// Wraps a slot object. key: what its calls acquire before they run. A posted call (invokeMethod)
// is its own key, released once it is built and after each run, acquired when it runs and when
// it is destroyed, on whichever thread Qt does each. A connected slot acquires its sender, which
// every emission releases first (QMetaObject::activate below).
class AnnotatedSlot : public QtPrivate::QSlotObjectBase
{
public:
    AnnotatedSlot(QtPrivate::QSlotObjectBase* wrapped, const void* sender)
        : QSlotObjectBase(&impl)
        , m_wrapped(wrapped)
        , m_sender(sender)
    {
        __tsan_release(this);
    }

private:
    static void impl(int which, QSlotObjectBase* base, QObject* receiver, void** args, bool* ret)
    {
        auto* self = static_cast<AnnotatedSlot*>(base);
        __tsan_acquire(self);
        switch (which) {
        case Destroy:
            self->m_wrapped->destroyIfLastRef();
            delete self;
            return;
        case Call:
            if (self->m_sender)
                __tsan_acquire(const_cast<void*>(self->m_sender));
            self->m_wrapped->call(receiver, args);
            break;
        case Compare:
            *ret = self->m_wrapped->compare(args);
            break;
        }
        __tsan_release(self);
    }

    QtPrivate::QSlotObjectBase* m_wrapped;
    const void* m_sender;
};

using InvokeFn = bool (*)(QObject*, QtPrivate::QSlotObjectBase*, Qt::ConnectionType, void*);

// ---- QThread ----------------------------------------------------------------------------------
constexpr char finishAnnotated[] = "_pk_tsan_finish_annotated";

} // namespace

void QReadWriteLock::lockForRead()
{
    static const auto real = next<LockFn>("_ZN14QReadWriteLock11lockForReadEv");
    annotatedLock(this, real, __tsan_mutex_read_lock);
}

void QReadWriteLock::lockForWrite()
{
    static const auto real = next<LockFn>("_ZN14QReadWriteLock12lockForWriteEv");
    annotatedLock(this, real, 0);
}

bool QReadWriteLock::tryLockForRead()
{
    static const auto real = next<TryLockFn>("_ZN14QReadWriteLock14tryLockForReadEv");
    return annotatedTryLock(this, __tsan_mutex_read_lock, [&] { return real(this); });
}

bool QReadWriteLock::tryLockForRead(int timeout)
{
    static const auto real = next<TryLockTimeoutFn>("_ZN14QReadWriteLock14tryLockForReadEi");
    return annotatedTryLock(this, __tsan_mutex_read_lock, [&] { return real(this, timeout); });
}

bool QReadWriteLock::tryLockForWrite()
{
    static const auto real = next<TryLockFn>("_ZN14QReadWriteLock15tryLockForWriteEv");
    return annotatedTryLock(this, 0, [&] { return real(this); });
}

bool QReadWriteLock::tryLockForWrite(int timeout)
{
    static const auto real = next<TryLockTimeoutFn>("_ZN14QReadWriteLock15tryLockForWriteEi");
    return annotatedTryLock(this, 0, [&] { return real(this, timeout); });
}

void QReadWriteLock::unlock()
{
    static const auto real = next<LockFn>("_ZN14QReadWriteLock6unlockEv");
    unsigned flags = 0;
    const bool annotated = forget(this, flags);
    if (annotated)
        __tsan_mutex_pre_unlock(this, flags);
    real(this);
    if (annotated)
        __tsan_mutex_post_unlock(this, flags);
}

bool QMetaObject::invokeMethodImpl(
    QObject* object, QtPrivate::QSlotObjectBase* slot, Qt::ConnectionType type, void* ret)
{
    static const auto real = next<InvokeFn>(
        "_ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv");
    if (slot)
        slot = new AnnotatedSlot(slot, nullptr);
    return real(object, slot, type, ret);
}

QMetaObject::Connection QObject::connectImpl(const QObject* sender, void** signal, const QObject* receiver,
    void** slotPointer, QtPrivate::QSlotObjectBase* slot, Qt::ConnectionType type, const int* types,
    const QMetaObject* senderMetaObject)
{
    using ConnectFn = QMetaObject::Connection (*)(const QObject*, void**, const QObject*, void**,
        QtPrivate::QSlotObjectBase*, Qt::ConnectionType, const int*, const QMetaObject*);
    static const auto real = next<ConnectFn>("_ZN7QObject11connectImplEPKS_PPvS1_S3_PN9QtPrivate15QSlotObjectBaseEN2Qt"
                                             "14ConnectionTypeEPKiPK11QMetaObject");
    if (slot)
        slot = new AnnotatedSlot(slot, sender);
    return real(sender, signal, receiver, slotPointer, slot, type, types, senderMetaObject);
}

void QMetaObject::activate(QObject* sender, const QMetaObject* metaObject, int localSignalIndex, void** argv)
{
    using ActivateFn = void (*)(QObject*, const QMetaObject*, int, void**);
    static const auto real = next<ActivateFn>("_ZN11QMetaObject8activateEP7QObjectPKS_iPPv");
    __tsan_release(sender);
    real(sender, metaObject, localSignalIndex, argv);
}

void QThread::start(Priority priority)
{
    using StartFn = void (*)(QThread*, Priority);
    static const auto real = next<StartFn>("_ZN7QThread5startENS_8PriorityE");
    // finished() is emitted in the thread after run() returned: everything it did comes before.
    // Right after it, still before wait() returns, Qt deletes the objects whose deleteLater() was
    // called (typically on finished(), like the console's engine); they are deleted here instead,
    // in the same thread at the same point of its end, so that their destructors come before too.
    if (!property(finishAnnotated).toBool()) {
        setProperty(finishAnnotated, true);
        connect(
            this, &QThread::finished, this,
            [this] {
                QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
                __tsan_release(this);
            },
            Qt::DirectConnection);
    }
    real(this, priority);
}

bool QThread::wait(QDeadlineTimer deadline)
{
    using WaitFn = bool (*)(QThread*, QDeadlineTimer);
    static const auto real = next<WaitFn>("_ZN7QThread4waitE14QDeadlineTimer");
    const bool finished = real(this, deadline);
    if (finished)
        __tsan_acquire(this);
    return finished;
}
