/**
 * JMH benchmarks of the SDK against its peer libraries; see the module README for how to run them.
 */
@NullMarked
package dev.securecart.benchmarks;

import org.jspecify.annotations.NullMarked;
