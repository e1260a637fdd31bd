#pragma once
// How the processes working in one sweep folder, on one machine or on many nodes of a cluster,
// stay out of each other's way. <sweep>/members.lock carries fcntl byte-range locks
// (byte_range_lock.hpp):
//   byte 0      held while a process reads sweep.json, changes it and writes it back, so
//               updates from array tasks on different nodes never overwrite each other;
//   byte 1 + k  held for as long as a process runs member k, so a member never runs twice at
//               once; k is the member's place among the sweep's ids in sorted order, which
//               no reordering of the sweep file changes (and other changes stop the sweep).
// A holder that dies releases its bytes, so a member whose process was killed (a cancelled
// or crashed task) can be claimed again and resumed.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "sweep/byte_range_lock.hpp"
#include "sweep/manifest.hpp"

namespace expt {

std::filesystem::path members_lock_path(const std::filesystem::path& sweep_dir);
std::filesystem::path manifest_path(const std::filesystem::path& sweep_dir);  // <sweep>/sweep.json

// Held while sweep.json is read, changed and rewritten.
class ManifestLock {
 public:
  explicit ManifestLock(const std::filesystem::path& sweep_dir);

 private:
  ByteRangeLock lock_;
};

// Under the manifest lock: reads sweep.json, lets `change` edit the member with this id and
// writes the manifest back atomically. Returns the manifest as written. Throws IoError (no
// manifest, or no such member).
Manifest update_member(const std::filesystem::path& sweep_dir, const std::string& id,
                       const std::function<void(MemberRecord&)>& change);

// Reads sweep.json under the manifest lock (on NFS, taking the lock also revalidates the
// client's cached view of the folder).
Manifest read_manifest_locked(const std::filesystem::path& sweep_dir);

// For a process holding the sweep lock (sweep_lock.hpp) of a sweep it resumes: removes the
// temporary files of killed writes of sweep.json (under the manifest lock, which all its
// writers hold) and of anything under slurm/ (written only under the sweep lock). Member folders
// keep theirs until the member itself resumes: array tasks may be writing in them right now.
void remove_abandoned_sweep_temporaries(const std::filesystem::path& sweep_dir);

// The member's claim, or nullopt when another process holds it.
std::optional<ByteRangeLock> claim_member(const std::filesystem::path& sweep_dir, const Manifest& manifest,
                                          const std::string& id);
// Whether some process holds the member's claim now, i.e. runs it.
bool member_is_claimed(const std::filesystem::path& sweep_dir, const Manifest& manifest, const std::string& id);

// Marks the member running in a new attempt (state, starts, attempts, slurm_task).
void start_attempt(MemberRecord& r, const std::string& slurm_task, int64_t from_epoch);
// Closes the member's open attempt with its new state (set by the caller before).
void end_attempt(MemberRecord& r);

std::string host_name();

}  // namespace expt
