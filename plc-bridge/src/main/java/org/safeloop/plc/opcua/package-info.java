/**
 * OPC UA through Eclipse Milo: {@link org.safeloop.plc.opcua.OpcUaAddress} and {@link
 * org.safeloop.plc.opcua.OpcUaOptions} for plant files, the "opcua" {@link
 * org.safeloop.plc.PlcConnectionProvider}, and {@link org.safeloop.plc.opcua.Pki}, the certificate
 * store the client (and the virtual plant's server) keep. The embedded server is in the
 * virtual-plant module, not on a deployed bridge's class path.
 */
package org.safeloop.plc.opcua;
