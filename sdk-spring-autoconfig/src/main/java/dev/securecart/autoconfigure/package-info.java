/** Spring Boot auto-configuration for the SDK. Not built yet: see the module README. */
@NullMarked
package dev.securecart.autoconfigure;

import org.jspecify.annotations.NullMarked;
