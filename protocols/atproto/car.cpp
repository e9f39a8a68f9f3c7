#include "protocols/atproto/car.h"

#include "protocols/atproto/dag_cbor.h"

namespace causeway::atproto {
namespace {

Error car_error(size_t offset, const std::string& reason) {
  return make_error("CAR at byte " + std::to_string(offset) + ": " + reason);
}

}  // namespace

Result<CarFile> CarFile::parse(std::string bytes, const CarLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    return make_error("CAR is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                      std::to_string(limits.max_bytes));
  CarFile car;
  car.buffer_ = std::make_unique<const std::string>(std::move(bytes));
  std::string_view data(*car.buffer_);

  size_t pos = 0;
  auto header_len = read_varint(data, &pos);
  if (!header_len) return car_error(0, "header length: " + header_len.error());
  if (*header_len == 0 || *header_len > limits.max_header_bytes || *header_len > data.size() - pos)
    return car_error(0, "header length " + std::to_string(*header_len) + " is out of range");
  auto header = decode_dag_cbor(data.substr(pos, *header_len));
  if (!header) return car_error(pos, "header: " + header.error());
  const std::int64_t* version = header->find_integer("version");
  if (!version || *version != 1) return car_error(pos, "header version must be 1");
  const Value* roots = header->find("roots");
  if (!roots || !roots->is_array()) return car_error(pos, "header has no roots list");
  for (const auto& root : roots->as_array()) {
    if (!root.is_link()) return car_error(pos, "header roots must be CID links");
    car.roots_.push_back(root.as_link());
  }
  pos += *header_len;

  while (pos < data.size()) {
    size_t section_start = pos;
    auto section_len = read_varint(data, &pos);
    if (!section_len) return car_error(section_start, "section length: " + section_len.error());
    if (*section_len == 0 || *section_len > data.size() - pos)
      return car_error(section_start, "section length " + std::to_string(*section_len) + " exceeds the file");
    std::string_view section = data.substr(pos, *section_len);
    size_t cid_len = 0;
    auto cid = Cid::from_bytes(section, &cid_len);
    if (!cid) return car_error(pos, "block CID: " + cid.error());
    std::string_view block = section.substr(cid_len);
    if (cid->hash_code() != kHashSha256)
      return car_error(pos, "block " + cid->to_string() + " uses an unsupported hash");
    std::uint8_t digest[32];
    sha256(block, digest);
    if (cid->digest() != std::string_view(reinterpret_cast<const char*>(digest), sizeof digest))
      return car_error(pos, "block " + cid->to_string() + " does not match its hash");
    if (!car.blocks_.emplace(*cid, block).second) ++car.duplicates_;
    if (car.blocks_.size() > limits.max_blocks)
      return car_error(pos, "more than " + std::to_string(limits.max_blocks) + " blocks");
    pos += *section_len;
  }
  return car;
}

std::optional<std::string_view> CarFile::block(const Cid& cid) const {
  auto it = blocks_.find(cid);
  if (it == blocks_.end()) return std::nullopt;
  return it->second;
}

std::string write_car(const std::vector<Cid>& roots, const std::vector<std::pair<Cid, std::string>>& blocks) {
  Array root_links;
  for (const auto& r : roots) root_links.emplace_back(r);
  std::string header = encode_dag_cbor(Value(Map{{"roots", Value(std::move(root_links))}, {"version", Value(1)}}));
  std::string out;
  append_varint(out, header.size());
  out += header;
  for (const auto& [cid, data] : blocks) {
    std::string cid_bytes = cid.to_bytes();
    append_varint(out, cid_bytes.size() + data.size());
    out += cid_bytes;
    out += data;
  }
  return out;
}

}  // namespace causeway::atproto
