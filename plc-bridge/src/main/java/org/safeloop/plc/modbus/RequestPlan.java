package org.safeloop.plc.modbus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.safeloop.plc.Tag;

/**
 * Groups tags of the same table whose registers or bits touch or overlap into as few requests as
 * the size limits allow, so that a float32's two registers always travel in one request and
 * neighbouring process values share one. Stateless.
 */
final class RequestPlan {

  /** One read request: a contiguous block of one table and the tags it serves. */
  record ReadBlock(ModbusTable table, int start, int count, List<Tag> tags) {
    int end() {
      return start + count;
    }
  }

  /** One write request: a contiguous block of registers (or bits as 0/1) and the tags in it. */
  record WriteBlock(ModbusTable table, int start, int[] values, List<String> tagNames) {}

  /** A tag's encoded value awaiting grouping. */
  record EncodedWrite(Tag tag, ModbusAddress address, int[] values) {}

  private RequestPlan() {}

  static int width(Tag tag) {
    ModbusAddress address = (ModbusAddress) tag.address();
    return address.table().isBitTable() ? 1 : tag.dataType().registerCount();
  }

  static List<ReadBlock> reads(List<Tag> tags, ModbusOptions options) {
    List<Tag> sorted = new ArrayList<>(tags);
    sorted.sort(
        Comparator.comparing((Tag t) -> ((ModbusAddress) t.address()).table())
            .thenComparingInt(t -> ((ModbusAddress) t.address()).offset()));
    List<ReadBlock> blocks = new ArrayList<>();
    ModbusTable table = null;
    int start = 0;
    int end = 0;
    List<Tag> members = new ArrayList<>();
    for (Tag tag : sorted) {
      ModbusAddress address = (ModbusAddress) tag.address();
      int tagEnd = address.offset() + width(tag);
      int limit =
          address.table().isBitTable() ? options.maxBitsPerRead() : options.maxRegistersPerRead();
      boolean joins =
          address.table() == table
              && address.offset() <= end
              && Math.max(end, tagEnd) - start <= limit;
      if (joins) {
        end = Math.max(end, tagEnd);
        members.add(tag);
      } else {
        if (table != null) {
          blocks.add(new ReadBlock(table, start, end - start, List.copyOf(members)));
        }
        table = address.table();
        start = address.offset();
        end = tagEnd;
        members = new ArrayList<>(List.of(tag));
      }
    }
    if (table != null) {
      blocks.add(new ReadBlock(table, start, end - start, List.copyOf(members)));
    }
    return blocks;
  }

  /**
   * Groups encoded writes into blocks of adjacent addresses (at most 123 registers or 1968 bits,
   * the limits of function codes 16 and 15).
   *
   * @throws IllegalArgumentException if two writes overlap
   */
  static List<WriteBlock> writes(List<EncodedWrite> writes) {
    List<EncodedWrite> sorted = new ArrayList<>(writes);
    sorted.sort(
        Comparator.comparing((EncodedWrite w) -> w.address().table())
            .thenComparingInt(w -> w.address().offset()));
    List<WriteBlock> blocks = new ArrayList<>();
    List<EncodedWrite> run = new ArrayList<>();
    for (EncodedWrite write : sorted) {
      if (!run.isEmpty()) {
        EncodedWrite last = run.get(run.size() - 1);
        int lastEnd = last.address().offset() + last.values().length;
        boolean sameTable = last.address().table() == write.address().table();
        if (sameTable && write.address().offset() < lastEnd) {
          throw new IllegalArgumentException(
              "tags "
                  + last.tag().name()
                  + " and "
                  + write.tag().name()
                  + " overlap; write them in separate calls");
        }
        int runStart = run.get(0).address().offset();
        int limit = write.address().table().isBitTable() ? 1968 : 123;
        int newEnd = write.address().offset() + write.values().length;
        if (!sameTable || write.address().offset() != lastEnd || newEnd - runStart > limit) {
          blocks.add(toBlock(run));
          run = new ArrayList<>();
        }
      }
      run.add(write);
    }
    if (!run.isEmpty()) {
      blocks.add(toBlock(run));
    }
    return blocks;
  }

  private static WriteBlock toBlock(List<EncodedWrite> run) {
    int start = run.get(0).address().offset();
    EncodedWrite last = run.get(run.size() - 1);
    int[] values = new int[last.address().offset() + last.values().length - start];
    List<String> names = new ArrayList<>();
    for (EncodedWrite write : run) {
      System.arraycopy(
          write.values(), 0, values, write.address().offset() - start, write.values().length);
      names.add(write.tag().name());
    }
    return new WriteBlock(run.get(0).address().table(), start, values, List.copyOf(names));
  }
}
