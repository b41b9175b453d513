package io.gpki.sync.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which OS user runs initdb, pg_ctl and postgres. PostgreSQL refuses to run as root, so a root JVM
 * runs them as the system user {@value #USER} (created if absent; {@code nobody} if that fails),
 * through {@code setpriv} or, failing that, {@code runuser}.
 *
 * @param user the user name, or {@code null} when the commands run as the JVM's own user
 * @param uid the user's id
 * @param gid the user's primary group id
 * @param prefix what to put before each command to run it as that user
 */
record RunAs(@Nullable String user, int uid, int gid, List<String> prefix) {

  static final String USER = "gpki-db";
  private static final Logger log = LoggerFactory.getLogger(RunAs.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final List<String> TOOL_DIRS = List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin");

  RunAs {
    prefix = List.copyOf(prefix);
  }

  boolean switchesUser() {
    return user != null;
  }

  /** Decides for this JVM; {@code tools} runs helper commands (getent, useradd) directly. */
  static RunAs forThisJvm(Commands tools) {
    long uid = currentUid(tools);
    if (uid != 0) {
      return new RunAs(null, (int) uid, -1, List.of());
    }
    String[] entry = passwdEntry(tools, USER);
    if (entry == null) {
      createSystemUser(tools);
      entry = passwdEntry(tools, USER);
    }
    if (entry == null) {
      entry = passwdEntry(tools, "nobody");
    }
    if (entry == null) {
      throw new IllegalStateException(
          "embedded PostgreSQL: the JVM runs as root, PostgreSQL refuses to run as"
              + " root, and neither user '"
              + USER
              + "' nor 'nobody' exists or could be created. Create one with"
              + " 'useradd --system --no-create-home --shell /usr/sbin/nologin "
              + USER
              + "', run as a non-root"
              + " user, or set GPKI_DB_URL to an external PostgreSQL.");
    }
    String name = entry[0];
    int userId = Integer.parseInt(entry[2]);
    int groupId = Integer.parseInt(entry[3]);
    List<String> prefix;
    Path setpriv = findTool("setpriv");
    Path runuser = findTool("runuser");
    if (setpriv != null) {
      prefix =
          List.of(
              setpriv.toString(),
              "--reuid=" + userId,
              "--regid=" + groupId,
              "--clear-groups",
              "--");
    } else if (runuser != null) {
      prefix = List.of(runuser.toString(), "-u", name, "--");
    } else {
      throw new IllegalStateException(
          "embedded PostgreSQL: the JVM runs as root and needs setpriv or runuser"
              + " (util-linux) to run PostgreSQL as user '"
              + name
              + "'. Install util-linux, run as a non-root user,"
              + " or set GPKI_DB_URL to an external PostgreSQL.");
    }
    log.info(
        "JVM runs as root: embedded PostgreSQL runs as user {} (uid {}) via {}",
        name,
        userId,
        prefix.get(0));
    return new RunAs(name, userId, groupId, prefix);
  }

  /** Gives a file or directory to the database user (no-op when not switching users). */
  void own(Path path) throws IOException {
    if (switchesUser()) {
      Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Whether {@code path} belongs to the database user. */
  boolean owns(Path path) throws IOException {
    return ((Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)) == uid;
  }

  /**
   * Checks that the database user can reach {@code dataDir}: every ancestor must be searchable by
   * it. The data dir itself gets search permission for others if it lacks it (its secrets are
   * 0600).
   */
  void checkTraversable(Path dataDir) throws IOException {
    if (!switchesUser()) {
      return;
    }
    Path real = dataDir.toRealPath();
    Set<PosixFilePermission> own = Files.getPosixFilePermissions(real);
    if (!own.contains(PosixFilePermission.OTHERS_EXECUTE) && !owns(real)) {
      own.add(PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(real, own);
    }
    for (Path dir = real.getParent(); dir != null; dir = dir.getParent()) {
      if (!searchable(dir)) {
        throw new IllegalStateException(
            "embedded PostgreSQL: the data dir "
                + dataDir
                + " is below "
                + dir
                + ", which user '"
                + user
                + "' (uid "
                + uid
                + ", PostgreSQL runs as it because the JVM is root)"
                + " cannot enter. Set GPKI_DATA_DIR to a path such as /var/lib/gpki, or 'chmod o+x "
                + dir
                + "', or run as a non-root user, or set GPKI_DB_URL to an external PostgreSQL.");
      }
    }
  }

  private boolean searchable(Path dir) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    int ownerUid = (Integer) Files.getAttribute(dir, "unix:uid");
    int ownerGid = (Integer) Files.getAttribute(dir, "unix:gid");
    if (ownerUid == uid) {
      return perms.contains(PosixFilePermission.OWNER_EXECUTE);
    }
    if (ownerGid == gid) {
      return perms.contains(PosixFilePermission.GROUP_EXECUTE);
    }
    return perms.contains(PosixFilePermission.OTHERS_EXECUTE);
  }

  private static long currentUid(Commands tools) {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (LinkageError e) {
      // A trimmed runtime without jdk.security.auth: ask the OS.
      return Long.parseLong(tools.capture("id", TIMEOUT, List.of("id", "-u")).strip());
    }
  }

  private static String @Nullable [] passwdEntry(Commands tools, String name) {
    try {
      String line = tools.capture("getent", TIMEOUT, List.of("getent", "passwd", name)).strip();
      String[] fields = line.split(":");
      return fields.length >= 4 ? fields : null;
    } catch (IllegalStateException | UncheckedIOException e) {
      return null; // getent exits 2 for an unknown user
    }
  }

  private static void createSystemUser(Commands tools) {
    try {
      int exit =
          tools.run(
              "useradd",
              TIMEOUT,
              List.of(
                  "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER));
      if (exit != 0) {
        log.warn(
            "useradd {} failed (exit {}); falling back to user nobody. See {}",
            USER,
            exit,
            tools.logFile("useradd"));
      }
    } catch (IllegalStateException | UncheckedIOException e) {
      log.warn("cannot create user {} ({}); falling back to user nobody", USER, e.getMessage());
    }
  }

  private static @Nullable Path findTool(String name) {
    String path = System.getenv("PATH");
    List<String> dirs = new java.util.ArrayList<>(TOOL_DIRS);
    if (path != null) {
      dirs.addAll(0, List.of(path.split(":")));
    }
    for (String dir : dirs) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
