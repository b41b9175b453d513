/**
 * The read tier of the repository: certificates, CRLs/ARLs and cross pairs over HTTP, RFC 4387,
 * LDAP URLs and LDAPv3, served from an in-memory snapshot; it holds read ports only.
 */
@NullMarked
package io.gpki.gateway.repository;

import org.jspecify.annotations.NullMarked;
