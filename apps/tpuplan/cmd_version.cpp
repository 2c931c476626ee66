// `tpuplan version`: the tool version and where its data comes from.
#include "command.hpp"

#include <tpuplan/version.hpp>

namespace tpuplan::app {

Runner setup_version(CLI::App& sub) {
  sub.description("Print tpuplan's version and a summary of the data set it uses.");
  return [](Context& ctx) {
    const auto& data = ctx.data();
    Report r;
    r.command = "version";
    Table t;
    t.name = "version";
    t.columns = {{"tool_version", "version", 0, false, "tpuplan version"},
                 {"data_origin", "data", 0, false, "'embedded' or the --data directory"},
                 {"accelerators", "accelerators", 0, false, "accelerator types in the catalog"},
                 {"offerings", "offerings", 0, false, "offerings (accelerator × chips × region) in the catalog"},
                 {"models", "models", 0, false, "model presets"}};
    t.rows.push_back({std::string(k_version), data.origin,
                      static_cast<std::int64_t>(data.catalog.accelerators.size()),
                      static_cast<std::int64_t>(data.catalog.offerings.size()),
                      static_cast<std::int64_t>(data.models.presets.size())});
    r.tables.push_back(std::move(t));
    ctx.emit(r);
    return 0;
  };
}

} // namespace tpuplan::app
