#pragma once
// `expt data fetch`: the only code in expt that uses the network. Downloads a data set's
// archives with resume (HTTP Range), checks their sizes and unpacks them.
#include <filesystem>
#include <string>

namespace expt {

inline constexpr std::string_view kOxfordPetsUrl = "https://www.robots.ox.ac.uk/~vgg/data/pets/data/";

struct FetchOptions {
  std::filesystem::path dest = "data/oxford-iiit-pet";
  std::string base_url{kOxfordPetsUrl};  // the archives are <base_url>/<name>
  bool progress = true;                  // a progress bar on stderr
  int attempts = 4;                      // per archive; each retry resumes where the last stopped
};

// images.tar.gz and annotations.tar.gz into options.dest, unpacked there (images/,
// annotations/). Each archive is downloaded to <name>.part, resumed from there after an
// interruption (also on a later call), renamed when complete, and unpacked once. Only for the
// official base URL are the published sizes checked; for any URL the size the server announced.
// Returns the folder to use as data.root. Throws DataError (download, size, archive) or
// IoError (writing).
std::filesystem::path fetch_oxford_pets(const FetchOptions& options);

}  // namespace expt
