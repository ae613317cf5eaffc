#pragma once

// Aligned plain-text columns for the human-readable listings.

#include <QStringList>
#include <QTextStream>

namespace pk::cli {

class TextTable
{
public:
    explicit TextTable(QStringList header, QList<bool> rightAligned = {})
        : m_header(std::move(header))
        , m_right(std::move(rightAligned))
    { }

    void addRow(QStringList row) { m_rows.append(std::move(row)); }
    void print(QTextStream& out) const
    {
        QList<int> widths(m_header.size(), 0);
        auto measure = [&widths](const QStringList& row) {
            for (qsizetype c = 0; c < row.size() && c < widths.size(); ++c)
                widths[c] = qMax(widths[c], static_cast<int>(row.at(c).size()));
        };
        measure(m_header);
        for (const QStringList& row : m_rows)
            measure(row);
        auto line = [&](const QStringList& row) {
            QString text;
            for (qsizetype c = 0; c < row.size() && c < widths.size(); ++c) {
                const bool right = c < m_right.size() && m_right.at(c);
                const bool last = c == row.size() - 1;
                if (c > 0)
                    text += QStringLiteral("  ");
                text += right ? row.at(c).rightJustified(widths.at(c))
                              : (last ? row.at(c) : row.at(c).leftJustified(widths.at(c)));
            }
            out << text << '\n';
        };
        line(m_header);
        for (const QStringList& row : m_rows)
            line(row);
        out.flush();
    }

private:
    QStringList m_header;
    QList<bool> m_right;
    QList<QStringList> m_rows;
};

} // namespace pk::cli
