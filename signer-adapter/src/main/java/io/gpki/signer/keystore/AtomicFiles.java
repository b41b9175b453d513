package io.gpki.signer.keystore;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** Replaces a file atomically so a crash never leaves a half-written keystore behind. */
final class AtomicFiles {

  /** What writes the new content. */
  @FunctionalInterface
  interface Writer {
    void write(OutputStream out) throws Exception;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} via a temp file in the same directory: write, fsync, atomic rename, fsync
   * the directory. The file is created 0600 where the file system is POSIX, so the key material is
   * never readable by others, not even for a moment.
   */
  static void writeOwnerOnly(Path target, Writer writer) throws Exception {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attrs =
        posix
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            }
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attrs);
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(channel)) {
        writer.write(out);
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically", e);
      }
      if (posix) {
        // The rename must survive a crash too.
        try (FileChannel dirChannel = FileChannel.open(dir, StandardOpenOption.READ)) {
          dirChannel.force(true);
        }
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
