// The text `migrate new` writes into a new SQL revision, and recognising it unchanged.
#pragma once

#include <string>
#include <string_view>

#include "migrate/source/revision_file_name.hpp"

namespace migrate::source {

/// The comment `migrate new` writes into the new `<stem>.up.sql` (role up) or
/// `<stem>.down.sql` (role down) of service: one line, ending in a newline.
std::string revision_skeleton(FileRole role, std::string_view service, std::string_view stem);

/// True when text is still an up skeleton as revision_skeleton wrote it, for any service
/// and stem (surrounding white space and CRLF line ends allowed): a file nobody wrote the
/// change into, which loading refuses rather than recording an empty revision.
bool is_unchanged_skeleton(std::string_view text);

}  // namespace migrate::source
