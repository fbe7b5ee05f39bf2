// File reads and exclusive creates through POSIX calls, so errors carry errno.
#include "migrate/util/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace migrate::util {

namespace {

std::runtime_error os_error(const char* what, const std::filesystem::path& path, int error) {
  return std::runtime_error(std::string("cannot ") + what + " " + path.string() + ": " +
                            std::strerror(error));
}

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return m_fd; }

 private:
  int m_fd;
};

// "No such file or directory" for a name that `ls` shows is a puzzle: name the link.
std::runtime_error open_error(const std::filesystem::path& path, int error) {
  struct stat link {};
  if (error == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    std::error_code ec;
    const std::filesystem::path target = std::filesystem::read_symlink(path, ec);
    return std::runtime_error("cannot read " + path.string() + ": it is a dangling symbolic link (to " +
                              (ec ? std::string("an unreadable target") : target.string()) +
                              ", which does not exist)");
  }
  return os_error("read", path, error);
}

void write_all(int fd, const std::filesystem::path& path, std::string_view content) {
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw os_error("write", path, errno);
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw open_error(path, errno);
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw os_error("read", path, errno);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return content;
}

void write_new_file(const std::filesystem::path& path, std::string_view content) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw os_error("create", path, errno);
  write_all(fd.get(), path, content);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::string temp_name = path.string() + ".tmp.XXXXXX";
  FileDescriptor fd(::mkstemp(temp_name.data()));
  if (fd.get() < 0) throw os_error("create a temporary file beside", path, errno);
  const std::filesystem::path temp(temp_name);
  try {
    // mkstemp creates the file 0600; a revision file is as readable as its folder's others.
    if (::fchmod(fd.get(), 0644) != 0) throw os_error("set the mode of", temp, errno);
    write_all(fd.get(), temp, content);
    if (::fsync(fd.get()) != 0) throw os_error("flush", temp, errno);
    if (::rename(temp.c_str(), path.c_str()) != 0) throw os_error("rename a temporary file to", path, errno);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

}  // namespace migrate::util
