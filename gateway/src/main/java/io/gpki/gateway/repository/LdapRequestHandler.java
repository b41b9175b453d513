package io.gpki.gateway.repository;

import com.unboundid.ldap.listener.LDAPListenerClientConnection;
import com.unboundid.ldap.listener.LDAPListenerRequestHandler;
import com.unboundid.ldap.protocol.AddRequestProtocolOp;
import com.unboundid.ldap.protocol.AddResponseProtocolOp;
import com.unboundid.ldap.protocol.BindRequestProtocolOp;
import com.unboundid.ldap.protocol.BindResponseProtocolOp;
import com.unboundid.ldap.protocol.CompareRequestProtocolOp;
import com.unboundid.ldap.protocol.CompareResponseProtocolOp;
import com.unboundid.ldap.protocol.DeleteRequestProtocolOp;
import com.unboundid.ldap.protocol.DeleteResponseProtocolOp;
import com.unboundid.ldap.protocol.ExtendedRequestProtocolOp;
import com.unboundid.ldap.protocol.ExtendedResponseProtocolOp;
import com.unboundid.ldap.protocol.LDAPMessage;
import com.unboundid.ldap.protocol.ModifyDNRequestProtocolOp;
import com.unboundid.ldap.protocol.ModifyDNResponseProtocolOp;
import com.unboundid.ldap.protocol.ModifyRequestProtocolOp;
import com.unboundid.ldap.protocol.ModifyResponseProtocolOp;
import com.unboundid.ldap.protocol.SearchRequestProtocolOp;
import com.unboundid.ldap.protocol.SearchResultDoneProtocolOp;
import com.unboundid.ldap.protocol.SearchResultReferenceProtocolOp;
import com.unboundid.ldap.sdk.Control;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchScope;
import io.gpki.sync.Referral;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The LDAPv3 protocol handler (one instance per client connection, on the listener's own threads,
 * never on Netty's). Read-only: anonymous simple bind only; add, delete, modify, modify DN, compare
 * and extended operations answer {@code unwillingToPerform}. Search reads the current snapshot's
 * directory; when {@code maxConcurrentSearches} are running and no slot frees within the queue
 * timeout it answers {@code busy}.
 */
final class LdapRequestHandler extends LDAPListenerRequestHandler {

  private static final String READ_ONLY = "the repository directory is read-only";

  private final RepositorySnapshots snapshots;
  private final RepositoryProperties.Ldap config;
  private final int maxResults;
  private final int maxFilterLength;
  private final Semaphore searches;
  private final AccessStatistics statistics;
  private final @Nullable LDAPListenerClientConnection connection;

  LdapRequestHandler(
      RepositorySnapshots snapshots,
      RepositoryProperties props,
      Semaphore searches,
      AccessStatistics statistics,
      @Nullable LDAPListenerClientConnection connection) {
    this.snapshots = snapshots;
    this.config = props.ldap();
    this.maxResults = props.maxResults();
    this.maxFilterLength = props.maxFilterLength();
    this.searches = searches;
    this.statistics = statistics;
    this.connection = connection;
  }

  @Override
  public LDAPListenerRequestHandler newInstance(LDAPListenerClientConnection c) {
    return new LdapRequestHandler(
        snapshots, config, maxResults, maxFilterLength, searches, statistics, c);
  }

  private LdapRequestHandler(
      RepositorySnapshots snapshots,
      RepositoryProperties.Ldap config,
      int maxResults,
      int maxFilterLength,
      Semaphore searches,
      AccessStatistics statistics,
      LDAPListenerClientConnection c) {
    this.snapshots = snapshots;
    this.config = config;
    this.maxResults = maxResults;
    this.maxFilterLength = maxFilterLength;
    this.searches = searches;
    this.statistics = statistics;
    this.connection = c;
  }

  @Override
  public LDAPMessage processBindRequest(int id, BindRequestProtocolOp op, List<Control> controls) {
    boolean anonymous =
        op.getCredentialsType() == BindRequestProtocolOp.CRED_TYPE_SIMPLE
            && op.getBindDN().isEmpty()
            && op.getSimplePassword().getValueLength() == 0;
    return anonymous
        ? new LDAPMessage(id, new BindResponseProtocolOp(0, "", null, null, null))
        : new LDAPMessage(
            id,
            new BindResponseProtocolOp(
                ResultCode.INAPPROPRIATE_AUTHENTICATION_INT_VALUE,
                "",
                "only anonymous bind is supported",
                null,
                null));
  }

  @Override
  public LDAPMessage processSearchRequest(
      int id, SearchRequestProtocolOp op, List<Control> controls) {
    long start = System.nanoTime();
    String kind = AccessStatistics.ldapKind(op.getAttributes());
    boolean admitted = false;
    try {
      admitted = searches.tryAcquire(config.queueTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!admitted) {
      statistics.record(AccessStatistics.LDAP, kind, "busy", System.nanoTime() - start);
      return done(id, ResultCode.BUSY, null, "too many searches in progress; retry shortly", null);
    }
    String outcome = "error";
    try {
      LDAPMessage result = search(id, op);
      int code = ((SearchResultDoneProtocolOp) result.getProtocolOp()).getResultCode();
      outcome = AccessStatistics.ldapOutcome(code);
      return result;
    } finally {
      searches.release();
      statistics.record(AccessStatistics.LDAP, kind, outcome, System.nanoTime() - start);
    }
  }

  private LDAPMessage search(int id, SearchRequestProtocolOp op) {
    RepositorySnapshot snapshot = snapshots.current();
    if (!snapshot.loaded()) {
      return done(id, ResultCode.UNAVAILABLE, null, "the repository is loading", null);
    }
    if (op.getFilter().toString().length() > maxFilterLength) {
      return done(id, ResultCode.UNWILLING_TO_PERFORM, null, "filter too long", null);
    }
    try {
      DirectorySearch.checkFilter(op.getFilter());
    } catch (IllegalArgumentException e) {
      return done(id, ResultCode.UNWILLING_TO_PERFORM, null, e.getMessage(), null);
    }
    DN base;
    try {
      base = new DN(op.getBaseDN());
    } catch (LDAPException e) {
      return done(id, ResultCode.INVALID_DN_SYNTAX, null, DirectoryNames.malformed(e), null);
    }
    if (base.isNullDN()) {
      return rootDse(id, op, snapshot.directory());
    }
    int limit = op.getSizeLimit() > 0 ? Math.min(op.getSizeLimit(), maxResults) : maxResults;
    DirectorySearch.Outcome outcome =
        DirectorySearch.search(snapshot.directory(), base, op.getScope(), op.getFilter(), limit);
    if (outcome instanceof DirectorySearch.Referred r) {
      return done(
          id,
          ResultCode.REFERRAL,
          null,
          "held by an external repository",
          List.of(referralUrl(r.referral(), base)));
    }
    if (outcome instanceof DirectorySearch.NoSuchObject n) {
      return done(
          id,
          ResultCode.NO_SUCH_OBJECT,
          n.matched() == null ? null : n.matched().toString(),
          "no such entry",
          null);
    }
    return send(id, op, (DirectorySearch.Found) outcome);
  }

  private LDAPMessage send(int id, SearchRequestProtocolOp op, DirectorySearch.Found f) {
    try {
      for (Directory.Node n : f.nodes()) {
        Entry e = new Entry(n.dn());
        for (var a : LdapResults.attributes(n.entry(), op.getAttributes())) {
          e.addAttribute(op.typesOnly() ? new com.unboundid.ldap.sdk.Attribute(a.getName()) : a);
        }
        connection().sendSearchResultEntry(id, e);
      }
      for (Referral r : f.continuations()) {
        DN refBase = new DN(r.baseDn());
        connection()
            .sendSearchResultReference(
                id, new SearchResultReferenceProtocolOp(List.of(referralUrl(r, refBase))));
      }
    } catch (LDAPException e) {
      return done(id, e.getResultCode(), null, e.getDiagnosticMessage(), null);
    }
    if (f.sizeLimitExceeded()) {
      return done(
          id, ResultCode.SIZE_LIMIT_EXCEEDED, null, "more entries match than the size limit", null);
    }
    return done(id, ResultCode.SUCCESS, null, null, null);
  }

  private LDAPMessage rootDse(int id, SearchRequestProtocolOp op, Directory dir) {
    if (!SearchScope.BASE.equals(op.getScope())) {
      return done(
          id,
          ResultCode.NO_SUCH_OBJECT,
          null,
          "the root DSE has no subordinates here; search a naming context",
          null);
    }
    Entry root = new Entry("");
    root.addAttribute("objectClass", "top", "extensibleObject");
    root.addAttribute("supportedLDAPVersion", "3");
    root.addAttribute("vendorName", "gpki-gateway");
    List<String> contexts =
        dir.namingContexts().stream()
            .map(k -> dir.node(k))
            .filter(java.util.Objects::nonNull)
            .map(n -> n.dn().toString())
            .toList();
    if (!contexts.isEmpty()) {
      root.addAttribute("namingContexts", contexts);
    }
    try {
      Entry selected = new Entry("");
      List<String> attrs = op.getAttributes().isEmpty() ? List.of("*") : op.getAttributes();
      for (var a : LdapResults.attributes(root, attrs.contains("+") ? List.of("*") : attrs)) {
        selected.addAttribute(a);
      }
      connection().sendSearchResultEntry(id, selected);
    } catch (LDAPException e) {
      return done(id, e.getResultCode(), null, e.getDiagnosticMessage(), null);
    }
    return done(id, ResultCode.SUCCESS, null, null, null);
  }

  /** RFC 4511 4.1.10: the referral names the target DN at the registered server. */
  static String referralUrl(Referral r, DN target) {
    String base =
        r.ldapUrl().endsWith("/")
            ? r.ldapUrl().substring(0, r.ldapUrl().length() - 1)
            : r.ldapUrl();
    return base + "/" + Percent.encode(target.toString());
  }

  private LDAPListenerClientConnection connection() {
    if (connection == null) {
      throw new IllegalStateException("handler template used for a request");
    }
    return connection;
  }

  private static LDAPMessage done(
      int id,
      ResultCode code,
      @Nullable String matched,
      @Nullable String message,
      @Nullable List<String> refs) {
    return new LDAPMessage(
        id, new SearchResultDoneProtocolOp(code.intValue(), matched, message, refs));
  }

  @Override
  public LDAPMessage processAddRequest(int id, AddRequestProtocolOp op, List<Control> controls) {
    return new LDAPMessage(
        id,
        new AddResponseProtocolOp(
            ResultCode.UNWILLING_TO_PERFORM_INT_VALUE, null, READ_ONLY, null));
  }

  @Override
  public LDAPMessage processDeleteRequest(
      int id, DeleteRequestProtocolOp op, List<Control> controls) {
    return new LDAPMessage(
        id,
        new DeleteResponseProtocolOp(
            ResultCode.UNWILLING_TO_PERFORM_INT_VALUE, null, READ_ONLY, null));
  }

  @Override
  public LDAPMessage processModifyRequest(
      int id, ModifyRequestProtocolOp op, List<Control> controls) {
    return new LDAPMessage(
        id,
        new ModifyResponseProtocolOp(
            ResultCode.UNWILLING_TO_PERFORM_INT_VALUE, null, READ_ONLY, null));
  }

  @Override
  public LDAPMessage processModifyDNRequest(
      int id, ModifyDNRequestProtocolOp op, List<Control> controls) {
    return new LDAPMessage(
        id,
        new ModifyDNResponseProtocolOp(
            ResultCode.UNWILLING_TO_PERFORM_INT_VALUE, null, READ_ONLY, null));
  }

  @Override
  public LDAPMessage processCompareRequest(
      int id, CompareRequestProtocolOp op, List<Control> controls) {
    return new LDAPMessage(
        id,
        new CompareResponseProtocolOp(
            ResultCode.UNWILLING_TO_PERFORM_INT_VALUE, null, "compare is not supported", null));
  }

  @Override
  public LDAPMessage processExtendedRequest(
      int id, ExtendedRequestProtocolOp op, List<Control> controls) {
    return new LDAPMessage(
        id,
        new ExtendedResponseProtocolOp(
            ResultCode.UNWILLING_TO_PERFORM_INT_VALUE,
            null,
            "extended operations are not supported",
            null,
            null,
            null));
  }
}
