// The archive of a cluster's binary log in a BackupStorage: each segment one object, compressed
// and encrypted with the backup stages, named by backup/binlog_segment_name.h (the name is the
// index: no other object is kept).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backup/binlog_segment_name.h"
#include "backup/compression.h"
#include "sql/binlog_event.h"
#include "storage/backup_storage.h"
#include "util/result.h"

namespace mdbop {

// The most a segment unpacks to: Galera refuses a write set over 2 GiB (wsrep_max_ws_size's
// maximum), and a segment holds whole transactions up to 16 MiB plus at most one past it.
constexpr std::size_t kMaxSegmentBytes = (std::size_t{2} << 30) + (std::size_t{64} << 20);

// The stored form of a segment's bytes: compressed, then encrypted when a secret is given.
Result<std::string> pack_binlog_segment(const std::string& segment, Compression compression,
                                        const std::optional<std::string>& encryption_secret);
// The segment's bytes back from its stored form. Encryption and compression are recognised by
// their magic (a segment itself starts with the binary-log magic), so a reader needs only the
// key, whatever the settings were when it was written. Fails naming what is wrong ("wrong
// encryption key", "zstd stream is corrupted", "not a binary-log segment"); kCorrupt when it
// would unpack to more than max_bytes.
Result<std::string> unpack_binlog_segment(const std::string& stored,
                                          const std::optional<std::string>& encryption_secret,
                                          std::size_t max_bytes = kMaxSegmentBytes);

// Stores one segment as one object under `key`: complete or absent.
Result<void> upload_binlog_segment(BackupStorage& storage, const std::string& key,
                                   const std::string& segment, Compression compression,
                                   const std::optional<std::string>& encryption_secret);

// The segments archived under `folder`: one history's (binlog_history_folder), in GTID order,
// or every history's ("<prefix>/binlog/"). Objects whose names are not segment names are not
// the archive's and are left out.
Result<std::vector<BinlogSegmentName>> list_binlog_segments(BackupStorage& storage,
                                                            const std::string& folder);

// The GTIDs of the transactions in a segment's bytes (its GTID events), in order; kCorrupt when
// the bytes are not a whole binary-log file.
Result<std::vector<Gtid>> gtids_of_segment(const std::string& segment);

}  // namespace mdbop
