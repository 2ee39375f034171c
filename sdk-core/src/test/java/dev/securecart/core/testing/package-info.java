/**
 * Test fixtures shared by every module through the sdk-core test-jar: a real Redis server, a local
 * Redis Cluster, a fault-injecting TCP proxy and a fake clock.
 */
@NullMarked
package dev.securecart.core.testing;

import org.jspecify.annotations.NullMarked;
