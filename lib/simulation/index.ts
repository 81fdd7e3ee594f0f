export { Simulation, SimulationOptions, SimulationTimings, ServicePrediction, LoadTestPrediction, WhatIf } from './simulation';
