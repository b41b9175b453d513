package io.gpki.gateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain TCP forwarder on a fixed loopback port, for taking a real server "off the network" in a
 * test: {@link #stop()} closes the listener and every forwarded connection (clients then see resets
 * and "connection refused", as when the server's host is down); {@link #start()} listens again on
 * the same port. Runs on its own platform threads, never on an event loop.
 */
public final class TcpProxy implements AutoCloseable {

  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket listener;

  /** Opens the proxy on a free loopback port, forwarding to {@code targetHost:targetPort}. */
  public TcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = bind(0);
    this.port = listener.getLocalPort();
    accept(listener);
  }

  /** The port the proxy listens on (the same after a restart). */
  public int port() {
    return port;
  }

  /** Stops listening and cuts every forwarded connection. */
  public synchronized void stop() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
    sockets.clear();
  }

  /** Listens again on the same port. */
  public synchronized void start() throws IOException {
    if (listener.isClosed()) {
      listener = bind(port);
      accept(listener);
    }
  }

  @Override
  public void close() throws IOException {
    stop();
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void accept(ServerSocket server) {
    daemon(
        "tcp-proxy-accept-" + port,
        () -> {
          while (!server.isClosed()) {
            Socket client = null;
            try {
              client = server.accept();
              sockets.add(client);
              Socket upstream = new Socket(targetHost, targetPort);
              sockets.add(upstream);
              pump(client, upstream);
              pump(upstream, client);
            } catch (IOException e) {
              // listener closed (stop) or the target refused: the client sees its socket close
              if (client != null) {
                closeQuietly(client);
              }
            }
          }
        });
  }

  private void pump(Socket from, Socket to) {
    daemon(
        "tcp-proxy-pump-" + port,
        () -> {
          byte[] buffer = new byte[16384];
          try (InputStream in = from.getInputStream();
              OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
              out.write(buffer, 0, n);
              out.flush();
            }
          } catch (IOException e) {
            // one side went away: close both below
          } finally {
            closeQuietly(from);
            closeQuietly(to);
          }
        });
  }

  private static void daemon(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
