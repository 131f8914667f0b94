import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock } from './clock';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { AppValidationPipe } from './validation/validation.pipe';
import { ExpirySweeper } from './maintenance/expiry-sweeper';

@Global()
@Module({})
export class CommonModule {
  static forRoot(clock: Clock): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: Clock, useValue: clock }, AllExceptionsFilter, AppValidationPipe, ExpirySweeper],
      exports: [Clock, AllExceptionsFilter, AppValidationPipe, ExpirySweeper],
    };
  }
}
