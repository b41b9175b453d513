package io.gpki.gateway.web;

import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A body the {@link FastPath} can send with {@code sendfile(2)}: the bytes in an unlinked temporary
 * file held open, so the kernel copies page-cache pages to the socket (on loopback it passes them
 * without a copy), as nginx does with {@code sendfile on}. Every response gets its own {@link
 * FileRegion} over the one shared descriptor; the descriptor closes when the owner has {@linkplain
 * #release() released} it and the last region is done.
 */
public final class SharedFile {

  private final FileChannel channel;
  private final long length;

  /** The owner's reference plus one per region in flight; 0 means closed. */
  private final AtomicInteger references = new AtomicInteger(1);

  private SharedFile(FileChannel channel, long length) {
    this.channel = channel;
    this.length = length;
  }

  /**
   * Writes {@code bytes} to a new file in {@code dir}, opens it and unlinks its name (the open
   * descriptor keeps the data). Blocking file I/O: call it off the event loop.
   */
  public static SharedFile create(Path dir, byte[] bytes) throws IOException {
    Path path = Files.createTempFile(dir, "body-", ".bin");
    try {
      FileChannel channel =
          FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          channel.write(b);
        }
        return new SharedFile(channel, bytes.length);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
    } finally {
      Files.deleteIfExists(path);
    }
  }

  /** A region over the whole file for one response, or {@code null} once the file is closed. */
  public @Nullable FileRegion region() {
    for (int n = references.get(); n > 0; n = references.get()) {
      if (references.compareAndSet(n, n + 1)) {
        return new Region();
      }
    }
    return null;
  }

  /** Drops the owner's reference; the file closes when no region uses it any more. */
  public void release() {
    if (references.decrementAndGet() == 0) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing to do: the descriptor is gone either way
      }
    }
  }

  /** The file's length in bytes. */
  public long length() {
    return length;
  }

  /** One response's view: releasing it returns its reference instead of closing the shared file. */
  private final class Region extends DefaultFileRegion {
    Region() {
      super(channel, 0, length);
    }

    @Override
    protected void deallocate() {
      SharedFile.this.release();
    }
  }
}
