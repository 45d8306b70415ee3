import { reloadCase } from './reload.ts';

export default reloadCase('SIGUSR2');
