// HTTP/1.1 message framing for the built-in client (RFC 9112): the request head the engine
// sends, and an incremental parser of the response — status line, header fields, and a body
// delimited by Content-Length, chunked transfer coding or the close of the connection.
// Bytes may arrive split anywhere; the parser keeps only a partial line between reads and
// hands body bytes on without copying them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// Receives what the parser finds.
class Http1Sink {
public:
  virtual ~Http1Sink() = default;
  /// The status line and each header field line, without the line ending — interim (1xx)
  /// responses' lines included, as a new "HTTP/…" line.
  virtual void header_line(std::string_view line) = 0;
  /// Bytes of the body, transfer coding removed. Returning false stops the parse (refused).
  virtual bool body(std::string_view data) = 0;
};

/// Parses one response after another on a connection (call reset() between them).
class Http1ResponseParser {
public:
  /// Most bytes accepted for the status line plus header fields (and for the trailers).
  static constexpr std::size_t k_max_head_bytes = 64 * 1024;

  enum class State { status_line, headers, length_body, chunk_size, chunk_data, chunk_data_end, trailers, close_body, done, failed };

  /// Consumes `data`; returns how many bytes were used, fewer than given only when the
  /// response is complete (the rest does not belong to it) or the parse failed.
  std::size_t feed(std::string_view data, Http1Sink& sink);
  /// The peer closed the connection: true when that completes the response (a body that runs
  /// to the close); otherwise the response is cut short.
  bool close();
  /// Ready for the next response on the same connection.
  void reset();

  State state() const { return m_state; }
  bool done() const { return m_state == State::done; }
  bool failed() const { return m_state == State::failed; }
  /// Why the parse failed; empty when the sink refused body bytes.
  const std::string& error() const { return m_error; }
  /// Bytes of this response received so far (head and body, as sent).
  std::int64_t bytes_seen() const { return m_bytes_seen; }
  /// The final status (0 until a non-1xx status line arrived).
  int status() const { return m_status; }
  /// Whether the connection may carry another request after this response.
  bool keep_alive() const { return m_keep_alive; }

private:
  bool fail(std::string message);
  /// Appends to the partial line; true with the whole line in `line` when its end arrived.
  bool take_line(std::string_view& data, std::string_view& line);
  bool on_status_line(std::string_view line);
  bool on_header(std::string_view line);
  bool on_head_end();
  bool on_chunk_size(std::string_view line);

  State m_state = State::status_line;
  std::string m_line;        // a line split across reads
  std::size_t m_head_bytes = 0;
  std::int64_t m_bytes_seen = 0;
  std::uint64_t m_remaining = 0; // of a Content-Length body or of the current chunk
  int m_status = 0;
  int m_minor_version = 1;
  bool m_keep_alive = true;
  bool m_chunked = false;
  bool m_has_length = false;
  bool m_connection_close = false;
  bool m_connection_keep_alive = false;
  bool m_transfer_encoding = false;
  std::uint64_t m_content_length = 0;
  std::string m_error;
};

/// The fixed part of every request of one kind: request line and header fields up to (not
/// including) Content-Length. Extra headers replace a default of the same name; "Name:" with
/// an empty value removes that default (curl's convention).
std::string http1_request_head(std::string_view method, std::string_view target, std::string_view host,
                               const std::vector<std::string>& default_headers,
                               const std::vector<std::string>& extra_headers);

/// A complete request: the head, Content-Length and the body.
void http1_append_request(std::string& out, std::string_view head, std::string_view body);

} // namespace tpuplan::bench
