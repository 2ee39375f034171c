package dev.securecart.core.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The shape of the cluster that {@link RedisClusterExtension} starts for a test class; without it
 * the class gets 3 masters and no replicas (enough for slot routing; add replicas for failover).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RedisClusterShape {

  /** The number of masters, at least 3. */
  int masters() default 3;

  /** The number of replicas per master; 1 or more to test failover. */
  int replicasPerMaster() default 0;
}
