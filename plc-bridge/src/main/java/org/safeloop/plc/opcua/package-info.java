/**
 * OPC UA through Eclipse Milo: {@link org.safeloop.plc.opcua.OpcUaAddress} and {@link
 * org.safeloop.plc.opcua.OpcUaOptions} for plant files, the "opcua" {@link
 * org.safeloop.plc.PlcConnectionProvider}, and {@link org.safeloop.plc.opcua.PlantOpcUaServer}, an
 * embedded server for the virtual plant and tests.
 */
package org.safeloop.plc.opcua;
