#pragma once
// Private helpers shared by the parsers and writers: reading files with the
// limits every reader shares, checking that they hold text, strict number
// parsing with file:line errors, sanitised tokens for messages, and atomic
// writes.

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt::detail {

// Largest file `read_file` accepts unless a reader passes its own limit.
inline constexpr std::uintmax_t kDefaultMaxFileBytes = std::uintmax_t{256} << 20;

// Longest token (in bytes of input) `sanitize` keeps before cutting it.
inline constexpr std::size_t kMaxTokenChars = 32;

// A non-empty line of a text file and its 1-based line number.
struct Line {
  std::size_t number;
  std::string text;
};

// A non-empty line as a view into the text it was found in.
struct LineView {
  std::size_t number;
  std::string_view text;
};

// Walks the non-blank, non-'#' lines of text without copying them (a CR
// before the LF is dropped); the text must outlive the cursor and its views.
class LineCursor {
 public:
  explicit LineCursor(std::string_view content) : content_(content) {}
  // The next line; false at the end of the text.
  bool next(LineView& line);

 private:
  std::string_view content_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

// Splits text into lines, dropping blank ones and '#' comments (copies every
// line: for small files; the parsers use LineCursor).
std::vector<Line> split_lines(std::string_view content);

// The one way the library reads a file. Opens `path` without blocking and
// accepts regular files only: a FIFO, socket, device (/dev/zero) or directory
// is an Error before a byte is read. A file larger than `max_bytes` (also one
// that grows past it while being read) is an Error naming the path and the
// limit. Throws Error "PATH: cannot open file for reading: REASON" when it
// cannot be opened.
std::string read_file(const std::filesystem::path& path, std::uintmax_t max_bytes = kDefaultMaxFileBytes);

// Throws Error unless `content` is text: "NAME:1: file starts with a UTF-8
// byte-order mark (BOM)..." or "NAME:LINE: not text: NUL byte" (any control
// byte other than tab, CR, LF, FF and VT). Never echoes the content.
void check_text(std::string_view content, std::string_view name);

// read_file followed by check_text.
std::string read_text_file(const std::filesystem::path& path, std::uintmax_t max_bytes = kDefaultMaxFileBytes);

// split_lines of read_text_file.
std::vector<Line> read_lines(const std::filesystem::path& path, std::uintmax_t max_bytes = kDefaultMaxFileBytes);

// A short, printable rendering of untrusted input for messages: bytes outside
// printable ASCII become \xNN (a backslash or quote is escaped too), and
// anything past `max_chars` input bytes is cut and marked "...".
std::string sanitize(std::string_view token, std::size_t max_chars = kMaxTokenChars);

// 1-based line and column of byte `offset` (0-based) in `content`.
struct TextPosition {
  std::size_t line;
  std::size_t column;
};
TextPosition position_of(std::string_view content, std::size_t offset);

// "256 MiB", "1 KiB" or "1000 bytes", for limits in messages.
std::string format_byte_limit(std::uintmax_t bytes);

// Splits on spaces and tabs.
std::vector<std::string_view> split_fields(std::string_view text);

// std::from_chars for a double (general format, '.' as the decimal point). Where
// the standard library lacks the floating-point overload (libc++ before 17, as
// in emscripten 3.1's; __cpp_lib_to_chars unset) it is from_chars_double_strtod.
std::from_chars_result from_chars_double(const char* first, const char* last, double& value);

// The fallback, compiled everywhere so the native tests compare it with
// std::from_chars: scans the longest prefix from_chars would accept ('-'
// but no '+', no leading space, no hex, "inf", "infinity", "nan", "nan(...)",
// case-insensitive) and converts it with strtod (the program must not change
// LC_NUMERIC). Same ptr and errc as from_chars: invalid_argument with ptr ==
// first when no number starts there; result_out_of_range (value untouched)
// on overflow or underflow to zero (subnormal results are kept, as from_chars does).
std::from_chars_result from_chars_double_strtod(const char* first, const char* last, double& value);

// Strict parse of a finite double; throws Error "WHERE: WHAT 'field' is not a
// number" (or "is out of range"), with the field sanitised.
double parse_double(std::string_view field, std::string_view where, std::string_view what);

// Strict parse of a non-negative integer (field sanitised in the message).
std::uint64_t parse_uint(std::string_view field, std::string_view where, std::string_view what);

// "name:line" for messages.
std::string location(std::string_view name, std::size_t line);
// "path:line" for messages.
std::string location(const std::filesystem::path& path, std::size_t line);

// `s` as one CSV field: in double quotes, inner quotes doubled (RFC 4180), so
// that specs with commas stay one column.
std::string csv_quote(std::string_view s);

// Writes `content` to `path` via a temporary sibling renamed into place: the
// temporary is hidden (".NAME.tmp-PID-N"), created exclusively (a link
// planted under its name is never followed) and removed on any failure, so a
// failed write (a full disk, say) leaves `path` as it was. Throws Error
// "PATH: cannot open file for writing: REASON" or "PATH: write error: REASON".
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace streamopt::detail
