import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type DataSourceSettings, dataSourceOptions, migrate } from './data-source.js';
import { PreparedStatements } from './prepared-statements.js';
import { TransactionRunner } from './transaction.js';

/** TypeORM on the resolved database URL (PostgreSQL or the embedded one); migrations at start when enabled. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(settings: DataSourceSettings & { runMigrations: boolean }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(settings),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options as NonNullable<typeof options>).initialize();
            if (settings.runMigrations) await migrate(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [
        TransactionRunner,
        {
          provide: PreparedStatements,
          useFactory: (dataSource: DataSource) => new PreparedStatements(dataSource, !settings.embedded),
          inject: [DataSource],
        },
      ],
      exports: [TransactionRunner, PreparedStatements],
    };
  }
}
