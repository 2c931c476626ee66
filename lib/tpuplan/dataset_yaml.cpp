// Reading data/ from YAML. (Being written: see the catalog work in progress.)
#include <tpuplan/dataset.hpp>
#include <tpuplan/error.hpp>

namespace tpuplan {

DataSet load_dataset_dir(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(ErrorKind::usage, "--data: '" + dir.string() + "' is not a directory");
  }
  DataSet data;
  data.origin = dir.string();
  return data;
}

} // namespace tpuplan
