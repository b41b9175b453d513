package io.gpki.signer.pkcs11;

import io.gpki.signer.SignerException;
import io.gpki.signer.SignerException.Kind;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * One loaded PKCS#11 library, shared by every key source that uses it.
 *
 * <p>The JDK loads and {@code C_Initialize}s a library once per JVM and path and never finalizes
 * it, so building a new SunPKCS11 provider does not reconnect the library. SoftHSM2, for one, marks
 * a token invalid for good once its files vanish and only re-reads its token directory (and {@code
 * SOFTHSM2_CONF}) in {@code C_Initialize}. Two things therefore go through the JDK's internal
 * wrapper {@code sun.security.pkcs11.wrapper.PKCS11}, which needs {@value #OPENS_FLAG}: finding the
 * slot by token label (SunPKCS11 only accepts a slot id or list index) and re-initialising the
 * library ({@code C_Finalize} + {@code C_Initialize}) after an outage.
 *
 * <p>Calls on any token of the library hold the shared side of {@link #lock}; re-initialisation
 * holds the exclusive side and first makes every key source on the library drop its provider, so no
 * stale session handle of the old library instance is ever used or closed afterwards.
 */
final class Pkcs11Module {

  static final String OPENS_FLAG =
      "--add-opens jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED";

  private static final ConcurrentMap<String, Pkcs11Module> MODULES = new ConcurrentHashMap<>();

  /** A call stuck in the library must not stall recovery forever. */
  private static final long EXCLUSIVE_WAIT_SECONDS = 10;

  private static final long CKF_OS_LOCKING_OK = 0x2L;
  private static final long CKR_CRYPTOKI_NOT_INITIALIZED = 0x190L;
  private static final long CKR_PIN_INCORRECT = 0xA0L;
  private static final long CKR_PIN_INVALID = 0xA1L;
  private static final long CKR_PIN_LEN_RANGE = 0xA2L;
  private static final long CKR_PIN_LOCKED = 0xA4L;

  private final String library;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Set<Pkcs11KeySource> users = ConcurrentHashMap.newKeySet();

  private Pkcs11Module(String library) {
    this.library = library;
  }

  /** The module for a library path; the path string must equal the one in the provider config. */
  static Pkcs11Module forLibrary(String library) {
    return MODULES.computeIfAbsent(library, Pkcs11Module::new);
  }

  void register(Pkcs11KeySource source) {
    users.add(source);
  }

  void unregister(Pkcs11KeySource source) {
    users.remove(source);
  }

  /** Holds the shared side of the lock while a token call runs. */
  Lock shared() {
    Lock shared = lock.readLock();
    shared.lock();
    return shared;
  }

  /** The slot id of the token labelled {@code label}. Initialises the library on first use. */
  long slotOf(String label) throws Exception {
    Wrapper wrapper = Wrapper.get();
    Object p11 = wrapper.instance(library);
    for (long slot :
        (long[]) Objects.requireNonNull(wrapper.call(p11, wrapper.getSlotList, true))) {
      Object info = wrapper.call(p11, wrapper.getTokenInfo, slot);
      String tokenLabel = new String((char[]) wrapper.label.get(info)).trim();
      if (tokenLabel.equals(label)) {
        return slot;
      }
    }
    throw new SignerException(Kind.UNAVAILABLE, "no PKCS#11 token labelled '" + label + "'");
  }

  /**
   * Asks the library for the token's info ({@code C_GetTokenInfo}), which fails as soon as the
   * token is gone, even while a provider's cached objects would still answer.
   */
  void checkToken(long slot, String label) throws Exception {
    Wrapper wrapper = Wrapper.get();
    Object info = wrapper.call(wrapper.instance(library), wrapper.getTokenInfo, slot);
    String tokenLabel = new String((char[]) wrapper.label.get(info)).trim();
    if (!tokenLabel.equals(label)) {
      throw new SignerException(
          Kind.UNAVAILABLE,
          "slot " + slot + " holds token '" + tokenLabel + "', not '" + label + "'");
    }
  }

  /**
   * Whether {@code e} or a cause is the token refusing the PIN (incorrect, invalid, wrong length or
   * locked). Retrying such a login only brings the token closer to locking the user PIN.
   */
  boolean isPinRejected(Throwable e) {
    Wrapper wrapper = Wrapper.get();
    for (Throwable t = e; t != null; t = t.getCause()) {
      long code = t instanceof Exception ex ? wrapper.errorCode(ex) : -1;
      if (code == CKR_PIN_INCORRECT
          || code == CKR_PIN_INVALID
          || code == CKR_PIN_LEN_RANGE
          || code == CKR_PIN_LOCKED) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code C_Finalize} + {@code C_Initialize}: makes the library re-read its configuration and
   * reconnect. Every key source on this library reconnects on its next call.
   */
  void reinitialize() throws Exception {
    Wrapper wrapper = Wrapper.get();
    Lock exclusive = lock.writeLock();
    if (!exclusive.tryLock(EXCLUSIVE_WAIT_SECONDS, TimeUnit.SECONDS)) {
      throw new SignerException(
          Kind.UNAVAILABLE, "PKCS#11 library " + library + " is busy; cannot re-initialise it");
    }
    try {
      // Close the old providers' sessions while their handles are still valid.
      users.forEach(Pkcs11KeySource::disconnect);
      Object p11 = wrapper.instance(library);
      try {
        wrapper.call(p11, wrapper.finalize, (Object) null);
      } catch (Exception e) {
        // A previous failed C_Initialize leaves the library uninitialised; that is what we want.
        if (wrapper.errorCode(e) != CKR_CRYPTOKI_NOT_INITIALIZED) {
          throw e;
        }
      }
      wrapper.call(p11, wrapper.initialize, wrapper.initArgs());
    } finally {
      exclusive.unlock();
    }
  }

  /** Reflective access to the JDK's PKCS#11 wrapper; resolved once. */
  private static final class Wrapper {

    private static volatile @Nullable Wrapper instance;

    final Class<?> pkcs11;
    final Method getInstance;
    final Method getSlotList;
    final Method getTokenInfo;
    final Method finalize;
    final Method initialize;
    final Field label;
    final Class<?> initArgsClass;
    final Method errorCodeMethod;

    private Wrapper() throws Exception {
      String pkg = "sun.security.pkcs11.wrapper.";
      pkcs11 = Class.forName(pkg + "PKCS11");
      initArgsClass = Class.forName(pkg + "CK_C_INITIALIZE_ARGS");
      getInstance =
          pkcs11.getMethod("getInstance", String.class, String.class, initArgsClass, boolean.class);
      getSlotList = pkcs11.getMethod("C_GetSlotList", boolean.class);
      getTokenInfo = pkcs11.getMethod("C_GetTokenInfo", long.class);
      finalize = pkcs11.getMethod("C_Finalize", Object.class);
      // Package-private in the JDK: only the wrapper itself is meant to call it.
      initialize = pkcs11.getDeclaredMethod("C_Initialize", Object.class);
      label = Class.forName(pkg + "CK_TOKEN_INFO").getField("label");
      errorCodeMethod = Class.forName(pkg + "PKCS11Exception").getMethod("getErrorCode");
      for (var member :
          new java.lang.reflect.AccessibleObject[] {
            getInstance, getSlotList, getTokenInfo, finalize, initialize, label, errorCodeMethod
          }) {
        member.setAccessible(true);
      }
    }

    static Wrapper get() {
      Wrapper w = instance;
      if (w != null) {
        return w;
      }
      synchronized (Wrapper.class) {
        w = instance;
        if (w == null) {
          try {
            w = new Wrapper();
          } catch (Exception | LinkageError e) {
            throw new IllegalStateException(
                "the JDK's PKCS#11 wrapper is not accessible; start the JVM with "
                    + OPENS_FLAG
                    + " (needed to find a token by label and to reconnect after an HSM outage)",
                e);
          }
          instance = w;
        }
        return w;
      }
    }

    /** The JDK's cached library instance, created and initialised the way SunPKCS11 does it. */
    Object instance(String library) throws Exception {
      return Objects.requireNonNull(
          call(null, getInstance, library, "C_GetFunctionList", initArgs(), false));
    }

    Object initArgs() throws Exception {
      Object args = initArgsClass.getConstructor().newInstance();
      // Same as SunPKCS11: let the library use OS locking so calls can run concurrently.
      initArgsClass.getField("flags").setLong(args, CKF_OS_LOCKING_OK);
      return args;
    }

    @Nullable Object call(@Nullable Object target, Method method, @Nullable Object... args)
        throws Exception {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw e;
      }
    }

    long errorCode(Exception e) {
      if (!errorCodeMethod.getDeclaringClass().isInstance(e)) {
        return -1;
      }
      try {
        return (long) errorCodeMethod.invoke(e);
      } catch (ReflectiveOperationException ex) {
        return -1;
      }
    }
  }

  @Override
  public String toString() {
    return "Pkcs11Module[" + library + "]";
  }
}
