#pragma once
// Command-line parsing for the streamopt tool: `--key value` options,
// `--flag` switches and positional arguments, with unknown options rejected.

#include <map>
#include <set>
#include <string>
#include <vector>

namespace streamopt::cli {

class Args {
 public:
  // `valued` lists options that take a value, `flags` those that do not.
  // Throws streamopt::Error on unknown options or missing values.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
       const std::set<std::string>& flags);
  [[nodiscard]] bool has(const std::string& key) const { return values_.count(key) || flags_.count(key); }
  // The value, or throws "missing required option --key".
  [[nodiscard]] std::string required(const std::string& key) const;
  [[nodiscard]] std::string get(const std::string& key, const std::string& fallback) const;
  [[nodiscard]] double get_double(const std::string& key, double fallback) const;
  [[nodiscard]] long get_int(const std::string& key, long fallback) const;
  [[nodiscard]] const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

// Splits "a,b,c" (no empty items).
std::vector<std::string> split_list(const std::string& text);

// Command entry points; each returns the process exit code.
int run_simulate(const std::vector<std::string>& argv);
int run_evaluate(const std::vector<std::string>& argv);
int run_traces(const std::vector<std::string>& argv);
int run_list(const std::vector<std::string>& argv);
int run_cc(const std::vector<std::string>& argv);
// Built with the codec component only (STREAMOPT_HAVE_CODECS).
int run_encode(const std::vector<std::string>& argv);

}  // namespace streamopt::cli
