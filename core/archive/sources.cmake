# The archive layer: libarchive behind a small KArchive-like API (see DESIGN.md, Dependencies).
target_sources(poolkeeper-core PRIVATE
    archive/crc32.h archive/crc32.cpp
    archive/atomicfile.h archive/atomicfile.cpp
    archive/libarchiveio.h archive/libarchiveio.cpp
    archive/gzip.h archive/gzip.cpp
    archive/compressedfilereader.h archive/compressedfilereader.cpp
    archive/compressedfiledevice.h archive/compressedfiledevice.cpp
    archive/archivewriter.h archive/archivewriter.cpp
    archive/archivereader.h archive/archivereader.cpp
)
