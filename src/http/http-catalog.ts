import type { DeclaredRoute } from './route-doc';
import type { TaskReader } from '../platform/task-reader';

/** What the shared HTTP routes need to know of the flows: the mounted routes and who reads which Task. */
export interface HttpCatalog {
  version: string;
  /** Every mounted route with its declaration, read once at boot from the controllers' metadata. */
  routes: readonly DeclaredRoute[];
  taskReaders: TaskReader[];
}
