#pragma once

// Error values that carry the CLI's exit-code meaning through every layer, so a failure deep in
// the storage code reaches the user as one line with the right exit code.

#include <QString>
#include <QtGlobal>

#include <optional>
#include <utility>
#include <variant>

namespace pk {

enum class ErrorCode {
    Failed = 1, // the operation failed: inconsistent data, quota, I/O
    Usage = 2, // bad arguments: unknown flag, bad size or percent
    NotFound = 3, // workspace, pool, storage, user, snapshot or path does not exist
};

struct Error
{
    ErrorCode code = ErrorCode::Failed;
    QString message;
};

inline Error failed(const QString& message)
{
    return { ErrorCode::Failed, message };
}
inline Error usageError(const QString& message)
{
    return { ErrorCode::Usage, message };
}
inline Error notFound(const QString& message)
{
    return { ErrorCode::NotFound, message };
}

class [[nodiscard]] Status
{
public:
    Status() = default;
    Status(Error error)
        : m_error(std::move(error))
    { }

    static Status ok() { return {}; }

    bool isOk() const { return !m_error.has_value(); }
    explicit operator bool() const { return isOk(); }
    const Error& error() const { return *m_error; }
    QString message() const { return m_error ? m_error->message : QString(); }

private:
    std::optional<Error> m_error;
};

template<typename T> class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_value(std::move(value))
    { }
    Result(Error error)
        : m_value(std::move(error))
    { }
    // Only for a failed Status: a successful one carries no value to return, a programming error
    // (caught by the assertion in debug builds, reported as a failure rather than undefined
    // behaviour in release builds).
    Result(const Status& status)
        : m_value(status.isOk() ? failed(QStringLiteral("internal error: a success converted to a failed result"))
                                : status.error())
    {
        Q_ASSERT_X(!status.isOk(), "Result(const Status&)", "a successful Status has no value to carry");
    }

    bool isOk() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return isOk(); }

    T& value() & { return std::get<T>(m_value); }
    const T& value() const& { return std::get<T>(m_value); }
    // By value: "for (auto& x : f().value())" must not refer into a dead temporary.
    T value() && { return std::get<T>(std::move(m_value)); }
    T valueOr(T fallback) const { return isOk() ? std::get<T>(m_value) : std::move(fallback); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }

    const Error& error() const { return std::get<Error>(m_value); }
    QString message() const { return isOk() ? QString() : error().message; }
    Status status() const { return isOk() ? Status() : Status(error()); }

private:
    std::variant<T, Error> m_value;
};

} // namespace pk
