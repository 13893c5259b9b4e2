/**
 * Modbus TCP through j2mod: {@link org.safeloop.plc.modbus.ModbusAddress} and {@link
 * org.safeloop.plc.modbus.ModbusOptions} for plant files and the "modbus" {@link
 * org.safeloop.plc.PlcConnectionProvider}. The embedded slave the virtual plant serves is in the
 * virtual-plant module, not on a deployed bridge's class path.
 */
package org.safeloop.plc.modbus;
