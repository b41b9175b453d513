package io.gpki.gateway.repository;

import com.unboundid.ldap.listener.LDAPListener;
import com.unboundid.ldap.listener.LDAPListenerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Semaphore;
import javax.net.ServerSocketFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LDAPv3 listener over the snapshot's directory tree (UnboundID LDAP SDK: the protocol codec
 * and connection threads are the library's; {@link LdapRequestHandler} answers). Each connection
 * has its own thread, capped by {@code maxConnections}; a connection silent for {@code idleTimeout}
 * is closed (socket read timeout), so slow or abandoned clients cannot hold threads forever.
 */
public final class LdapDirectoryServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LdapDirectoryServer.class);

  private final RepositoryProperties props;
  private final LdapRequestHandler handler;
  private @Nullable LDAPListener listener;

  public LdapDirectoryServer(
      RepositorySnapshots snapshots, RepositoryProperties props, AccessStatistics statistics) {
    this.props = props;
    this.handler =
        new LdapRequestHandler(
            snapshots,
            props,
            new Semaphore(props.ldap().maxConcurrentSearches()),
            statistics,
            null);
  }

  /** Starts listening (blocking bind; call at startup, not on an event loop). */
  public synchronized void start() {
    if (listener != null || !props.ldap().enabled()) {
      return;
    }
    RepositoryProperties.Ldap c = props.ldap();
    LDAPListenerConfig config = new LDAPListenerConfig(c.port(), handler);
    try {
      config.setListenAddress(InetAddress.getByName(c.bindAddress()));
    } catch (IOException e) {
      throw new UncheckedIOException("bad gpki.repository.ldap.bind-address " + c.bindAddress(), e);
    }
    config.setMaxConnections(c.maxConnections());
    config.setMaxMessageSizeBytes(c.maxMessageBytes());
    config.setServerSocketFactory(new IdleTimeoutSockets((int) c.idleTimeout().toMillis()));
    LDAPListener l = new LDAPListener(config);
    try {
      l.startListening();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen for LDAP on " + c.bindAddress() + ":" + c.port(), e);
    }
    listener = l;
    LOG.info("LDAP listener on {}:{}", c.bindAddress(), l.getListenPort());
  }

  /** The port it listens on, or -1 when not listening. */
  public synchronized int port() {
    return listener == null ? -1 : listener.getListenPort();
  }

  @Override
  public synchronized void close() {
    if (listener != null) {
      listener.shutDown(true);
      listener = null;
    }
  }

  /** Server sockets whose accepted sockets time out reads after the idle timeout. */
  private static final class IdleTimeoutSockets extends ServerSocketFactory {
    private final int idleMillis;

    IdleTimeoutSockets(int idleMillis) {
      this.idleMillis = idleMillis;
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new TimedServerSocket(idleMillis);
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      ServerSocket s = createServerSocket();
      s.bind(new java.net.InetSocketAddress(port));
      return s;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      ServerSocket s = createServerSocket();
      s.bind(new java.net.InetSocketAddress(port), backlog);
      return s;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      ServerSocket s = createServerSocket();
      s.bind(new java.net.InetSocketAddress(address, port), backlog);
      return s;
    }
  }

  private static final class TimedServerSocket extends ServerSocket {
    private final int idleMillis;

    TimedServerSocket(int idleMillis) throws IOException {
      this.idleMillis = idleMillis;
    }

    @Override
    public Socket accept() throws IOException {
      Socket s = super.accept();
      s.setSoTimeout(idleMillis);
      return s;
    }
  }
}
