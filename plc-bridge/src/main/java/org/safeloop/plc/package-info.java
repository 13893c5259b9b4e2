/**
 * PLC connections (Modbus TCP, OPC UA), plant files, the deployment runtime with its modes,
 * approvals, watchdog and demotion, and the virtual plant. Built in the PLC-bridge issue.
 */
package org.safeloop.plc;
