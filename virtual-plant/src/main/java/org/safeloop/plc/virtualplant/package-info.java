/**
 * The virtual plant: a scenario's process environment in real, accelerated or hand-stepped time
 * behind a real Modbus TCP slave and a real OPC UA server, with PLC-side logic (remote setpoint
 * with hard limits, operator mode, setpoint tracking, watchdog shedding), sensor and network fault
 * injection ({@link org.safeloop.plc.virtualplant.SensorFault}, {@link
 * org.safeloop.plc.virtualplant.FaultProxy}) and the plant files that reach it. The test bed of the
 * deployment runtime and the heart of the demo; start one with {@link
 * org.safeloop.plc.virtualplant.VirtualPlant#builder}.
 */
package org.safeloop.plc.virtualplant;
